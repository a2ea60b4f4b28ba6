/**
 * One line of `canary-users`: who the users stage (`users` in `stages`) sends to the canary. Defined
 * here, not in src/alb/, because the post step's saved state (saved-state.ts) carries it too.
 */
export type UserCondition =
  | { readonly kind: 'header'; readonly name: string; readonly value: string }
  | { readonly kind: 'source-ip'; readonly cidr: string }
  | { readonly kind: 'query'; readonly key: string; readonly value: string }
