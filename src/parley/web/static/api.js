// The HTTP API, as {status, body} answers. An HTTP error is an answer, not an exception:
// the caller decides what a 400, 404 or 503 means for the person looking. Only a failed
// connection throws (NetworkError).

export class NetworkError extends Error {}

// The operator's access token (PARLEY_API_TOKEN), when this parley asks for one: kept for
// this tab only (sessionStorage), sent as the bearer token with every request.
const TOKEN_KEY = "parley.accessToken";

export function accessToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || null;
  } catch {
    return null;
  }
}

export function setAccessToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token is asked for again
  }
}

function bearer(token = accessToken()) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function answer(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = { error: `HTTP ${response.status} without a JSON body` };
  }
  return { status: response.status, body };
}

export async function getJSON(url) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json", ...bearer() }, cache: "no-store" });
  } catch (error) {
    throw new NetworkError(error.message);
  }
  return answer(response);
}

/**
 * POST /api/analyze with a file (multipart) or pasted text (JSON), as the operator (the
 * access token) or as the conversation's owner (`ownerToken`), when this browser is one. XMLHttpRequest rather
 * than fetch because it reports upload progress: `onUpload(fraction)`.
 */
export function postAnalyze({ file, more, content, filename, format, conversationId, force, pseudonymise, timezone, ownerToken }, onUpload) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/analyze");
    xhr.responseType = "text";
    xhr.setRequestHeader("Accept", "application/json");
    // Replacing a conversation's result needs its owner token (or the operator's).
    for (const [name, value] of Object.entries(bearer(accessToken() || ownerToken))) {
      xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && event.total > 0) onUpload(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let body;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { error: `HTTP ${xhr.status} without a JSON body` };
      }
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener("error", () => reject(new NetworkError("the server could not be reached")));
    xhr.addEventListener("abort", () => reject(new NetworkError("the upload was cancelled")));
    if (file) {
      const form = new FormData();
      form.append("file", file, file.name);
      for (const extra of more || []) form.append("file", extra, extra.name); // one conversation
      if (format) form.append("format", format);
      if (conversationId) form.append("conversationId", conversationId);
      if (force) form.append("force", "true");
      if (pseudonymise) form.append("pseudonymise", "true");
      if (timezone) form.append("timezone", timezone);
      xhr.send(form);
    } else {
      const body = { content };
      if (filename) body.filename = filename; // a hint for detection, and the chat's name
      if (format) body.format = format;
      if (conversationId) body.conversationId = conversationId;
      if (force) body.force = true;
      if (pseudonymise) body.pseudonymise = true;
      if (timezone) body.timezone = timezone;
      xhr.setRequestHeader("Content-Type", "application/json");
      xhr.send(JSON.stringify(body));
    }
  });
}

/**
 * Erase a conversation from the server: with its owner token (its POST's answer), which
 * this browser keeps with its recent analyses, or else the operator's access token.
 */
export async function eraseConversation(conversationId, ownerToken) {
  let response;
  try {
    response = await fetch(`/api/conversations/${encodeURIComponent(conversationId)}`, {
      method: "DELETE",
      headers: { Accept: "application/json", ...bearer(ownerToken || accessToken()) },
    });
  } catch (error) {
    throw new NetworkError(error.message);
  }
  return answer(response);
}

export async function fetchBlob(url) {
  let response;
  try {
    response = await fetch(url, { cache: "no-store" });
  } catch (error) {
    throw new NetworkError(error.message);
  }
  if (response.ok && response.status === 200) return { status: 200, blob: await response.blob() };
  return answer(response);
}
