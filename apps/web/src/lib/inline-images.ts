// Inline (cid:) images are loaded by the app itself and handed to the message document as data:
// URLs. The message iframe is sandboxed without allow-same-origin, so its own requests carry no
// SameSite=Strict session cookie and could not fetch attachments (checked in Chromium).

/** Largest inline image turned into a data: URL. */
export const MAX_INLINE_IMAGE_BYTES = 10 * 1024 * 1024;

const IMAGE_TYPES = /^image\/(?:png|gif|jpe?g|webp|bmp|avif|x-icon|vnd\.microsoft\.icon)$/i;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/**
 * Downloads an attachment of our own API and returns it as a data: URL, or null when it is not a
 * raster image, too large, or cannot be loaded (the image is then simply not shown).
 */
export async function fetchImageAsDataUrl(url: string, declaredType: string, signal?: AbortSignal): Promise<string | null> {
  if (!url.startsWith('/') || url.startsWith('//')) return null;
  try {
    const response = await fetch(url, { credentials: 'same-origin', signal });
    if (!response.ok) return null;
    const type = (response.headers.get('content-type') ?? declaredType).split(';')[0]?.trim() ?? '';
    const mime = IMAGE_TYPES.test(type) ? type.toLowerCase() : IMAGE_TYPES.test(declaredType) ? declaredType.toLowerCase() : null;
    if (!mime) return null;
    const buffer = await response.arrayBuffer();
    if (buffer.byteLength > MAX_INLINE_IMAGE_BYTES) return null;
    return `data:${mime};base64,${toBase64(new Uint8Array(buffer))}`;
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    return null;
  }
}
