/** AWS console deep links, for the log and the summary. */
export function alarmLink(region: string, name: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(name)}`
}

export function aliasLink(region: string, functionName: string, alias: string): string {
  const name = functionName.split(':function:')[1] ?? functionName
  return `https://${region}.console.aws.amazon.com/lambda/home?region=${region}#/functions/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}`
}
