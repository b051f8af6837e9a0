// Which link targets the editor accepts: web and mail addresses only (no javascript:, data:, file: …).

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** True for an absolute http(s) URL with a host, or a mailto: link. */
export function isSafeLink(href: string): boolean {
  const value = href.trim();
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'mailto') return value.length > 'mailto:'.length && !/\s/.test(value);
  if (scheme !== 'http' && scheme !== 'https') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/**
 * What the user typed in the link prompt, made into a link: "example.org" becomes https://example.org,
 * "ann@example.org" becomes mailto:ann@example.org. Null when it is not an acceptable link.
 */
export function normalizeLink(input: string): string | null {
  const value = input.trim();
  if (!value) return null;
  if (SCHEME.test(value) && !/^[^:/@\s]+\.[^:/@\s]+:\d/.test(value)) return isSafeLink(value) ? value : null;
  if (/^[^\s@/:]+@[^\s@/:]+\.[^\s@/:]+$/.test(value)) return `mailto:${value}`;
  if (/^[^\s/@:]+\.[^\s/@:]{2,}(?::\d+)?(?:[/?#]\S*)?$/.test(value)) {
    const candidate = `https://${value}`;
    return isSafeLink(candidate) ? candidate : null;
  }
  return null;
}
