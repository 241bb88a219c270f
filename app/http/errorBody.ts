/**
 * The seeds disagree on the error key: the messages API answers `{"err_msg": ...}`, the
 * randomize API `{"error": ...}`. Every other route follows randomize. One function decides, so
 * that validation errors, body-limit errors and handler errors all agree per route.
 */
export function errorBody(path: string, message: string): Record<string, string> {
  // `/messages` and what is below it; `/messagesx` is another path, and follows randomize.
  return path === '/messages' || path.startsWith('/messages/') ? { err_msg: message } : { error: message };
}
