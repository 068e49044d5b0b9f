// A message's sessionWebhook arrives in the (possibly forged) inbound payload, and the bot POSTs its
// reply there: it is used only when it is DingTalk's reply endpoint on DINGTALK_OAPI_BASE, compared
// as a parsed URL (protocol, exact host and port, no userinfo, the sendBySession path), never as a
// string prefix (`https://oapi.dingtalk.com.evil.tld/` starts with `https://oapi.dingtalk.com`).

const SESSION_PATH = 'robot/sendBySession';

/** The URL to post to (normalised, as parsed), or null when it is not DingTalk's session endpoint. */
export function trustedSessionWebhook(url: unknown, oapiBase: string): string | null {
  if (typeof url !== 'string' || url.length > 2048) return null;
  let target: URL;
  let base: URL;
  try {
    target = new URL(url);
    base = new URL(oapiBase);
  } catch {
    return null;
  }
  if (target.protocol !== base.protocol) return null; // no http:// downgrade, no other schemes
  if (target.username || target.password) return null; // https://oapi.dingtalk.com@evil.tld/ has host evil.tld; refuse userinfo outright
  if (target.hostname !== base.hostname || target.port !== base.port) return null;
  // Only the reply endpoint: another path on the same host (/robot/send?access_token=<someone's robot>)
  // would hand the reply to whoever owns that robot.
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  if (target.pathname !== `${basePath}${SESSION_PATH}`) return null;
  return target.href;
}
