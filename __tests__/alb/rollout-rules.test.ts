import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2'
import { describe, expect, it } from 'vitest'
import { loginKeys, usersRuleActions, usersRuleTags } from '../../src/alb/rollout-rules.js'

const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/green/0123456789abcdef'
const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2'

const oidc: Action = {
  Type: 'authenticate-oidc',
  Order: 1,
  AuthenticateOidcConfig: {
    Issuer: 'https://login.example.com',
    AuthorizationEndpoint: 'https://login.example.com/auth',
    TokenEndpoint: 'https://login.example.com/token',
    UserInfoEndpoint: 'https://login.example.com/userinfo',
    ClientId: 'web',
  },
}
const cognito: Action = {
  Type: 'authenticate-cognito',
  Order: 2,
  AuthenticateCognitoConfig: { UserPoolArn: 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_X', UserPoolClientId: 'c', UserPoolDomain: 'd' },
}
const forward: Action = { Type: 'forward', Order: 3, ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'blue', Weight: 1 }] } }

describe("the users' rule keeps the listener's door", () => {
  it('issue 18: copies every login before the forward, in order, then forwards to the canary alone', () => {
    const actions = usersRuleActions([forward, cognito, oidc], GREEN)
    expect(actions.map((a) => [a.Type, a.Order])).toEqual([
      ['authenticate-oidc', 1],
      ['authenticate-cognito', 2],
      ['forward', 3],
    ])
    expect(actions[2]?.ForwardConfig?.TargetGroups).toEqual([{ TargetGroupArn: GREEN, Weight: 1 }])
    expect(loginKeys(actions)).toEqual(loginKeys([oidc, cognito]))
  })

  it('asks ALB to keep the OIDC client secret it never returns', () => {
    const [copy] = usersRuleActions([oidc, { ...forward, Order: 2 }], GREEN)
    expect(copy?.AuthenticateOidcConfig).toMatchObject({ ClientId: 'web', UseExistingClientSecret: true })
    expect(copy?.AuthenticateOidcConfig?.ClientSecret).toBeUndefined()
  })

  it('without a login, the rule is one forward with no Order', () => {
    expect(usersRuleActions([{ Type: 'forward', ForwardConfig: { TargetGroups: [] } }], GREEN)).toEqual([
      { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: GREEN, Weight: 1 }] } },
    ])
  })

  it("issue 18: tags the rule as this rollout's own: the canary group and the resource it borrows from", () => {
    expect(usersRuleTags('green', LISTENER)).toEqual([
      { Key: 'canary-release:target', Value: 'green' },
      { Key: 'canary-release:rollout', Value: LISTENER },
    ])
  })
})
