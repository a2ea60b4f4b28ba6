import type { RevisionLocation } from '@aws-sdk/client-codedeploy'
import { InputError } from '../core/errors.js'
import { quote } from '../core/quote.js'

const BUNDLE_TYPES = ['zip', 'tar', 'tgz'] as const
export type BundleType = (typeof BUNDLE_TYPES)[number]

const S3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/
const GITHUB = /^([A-Za-z0-9-]+\/[A-Za-z0-9._-]+)@([0-9a-f]{40})$/

/** The `revision` input for EC2/on-prem: `s3://bucket/key` (with bundle-type) or `OWNER/REPO@COMMIT`. */
export function parseServerRevision(value: string, bundleType: string): RevisionLocation {
  const s3 = S3.exec(value)
  if (s3) {
    if (!(BUNDLE_TYPES as readonly string[]).includes(bundleType)) {
      throw new InputError('bundle-type', `${quote(bundleType)} is not one of ${BUNDLE_TYPES.join(', ')}`)
    }
    return { revisionType: 'S3', s3Location: { bucket: s3[1] as string, key: s3[2] as string, bundleType: bundleType as BundleType } }
  }
  const gh = GITHUB.exec(value)
  if (gh) return { revisionType: 'GitHub', gitHubLocation: { repository: gh[1] as string, commitId: gh[2] as string } }
  if (value === '') throw new InputError('revision', 'is required for EC2/on-premises deployments (s3://bucket/key or OWNER/REPO@COMMIT)')
  throw new InputError('revision', `${quote(value)} is neither s3://bucket/key nor OWNER/REPO@COMMIT (a full 40-character commit SHA)`)
}

/** A revision in words: s3://bucket/key, OWNER/REPO@COMMIT, or the AppSpec's sha. */
export function describeRevision(revision: RevisionLocation | undefined): string | undefined {
  if (!revision) return undefined
  if (revision.s3Location?.bucket) {
    const { bucket, key, version } = revision.s3Location
    return `s3://${bucket}/${key ?? ''}${version ? `?versionId=${version}` : ''}`
  }
  if (revision.gitHubLocation?.repository) return `${revision.gitHubLocation.repository}@${revision.gitHubLocation.commitId ?? ''}`
  return undefined
}
