// Attachment uploads: XMLHttpRequest (fetch has no upload progress) to POST /api/uploads with the raw
// bytes, the file name in X-File-Name and the CSRF header like lib/http.ts.
import { useCallback, useEffect, useRef, useState } from 'react';
import { CSRF_COOKIE, CSRF_HEADER } from '@mailroom/shared/constants';
import type { Upload } from '@mailroom/shared';
import { ApiError, readCookie } from '../../lib/http.js';
import { composeApi } from './compose.queries.js';

export interface UploadHandle {
  promise: Promise<Upload>;
  abort(): void;
}

function errorFrom(xhr: XMLHttpRequest): ApiError {
  try {
    const data = JSON.parse(xhr.responseText) as { error?: { code?: unknown; message?: unknown } };
    if (typeof data.error?.code === 'string' && typeof data.error.message === 'string') return new ApiError(xhr.status, data.error.code, data.error.message);
  } catch {
    // not JSON
  }
  if (xhr.status === 413) return new ApiError(413, 'message_too_large', 'The file is too large.');
  return new ApiError(xhr.status, 'http_error', `Upload failed (HTTP ${xhr.status}).`);
}

/** Uploads one file; onProgress gets 0…1. Rejects with ApiError (or an AbortError DOMException when aborted). */
export function uploadFile(file: File, onProgress?: (fraction: number) => void): UploadHandle {
  let current: XMLHttpRequest | null = null;
  let aborted = false;
  const attempt = (token: string | null, retry: boolean): Promise<Upload> =>
    new Promise<Upload>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      current = xhr;
      xhr.open('POST', '/api/uploads');
      xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
      xhr.setRequestHeader('X-File-Name', encodeURIComponent(file.name));
      xhr.setRequestHeader('Accept', 'application/json');
      if (token) xhr.setRequestHeader(CSRF_HEADER, token);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && e.total > 0) onProgress?.(e.loaded / e.total);
      };
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          try {
            onProgress?.(1);
            resolve(JSON.parse(xhr.responseText) as Upload);
          } catch {
            reject(new ApiError(xhr.status, 'bad_response', 'The server sent an unreadable answer.'));
          }
          return;
        }
        const error = errorFrom(xhr);
        const fresh = readCookie(CSRF_COOKIE);
        if (retry && error.code === 'csrf' && fresh && fresh !== token) {
          attempt(fresh, false).then(resolve, reject);
          return;
        }
        reject(error);
      };
      xhr.onerror = () => reject(new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.'));
      xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
      if (aborted) {
        reject(new DOMException('Upload cancelled', 'AbortError'));
        return;
      }
      xhr.send(file);
    });
  return {
    promise: attempt(readCookie(CSRF_COOKIE), true),
    abort: () => {
      aborted = true;
      current?.abort();
    },
  };
}

export interface AttachmentItem {
  key: string;
  filename: string;
  size: number;
  status: 'uploading' | 'done' | 'error';
  /** 0…1 while uploading. */
  progress: number;
  upload?: Upload;
  error?: string;
  /** Uploaded in this compose session (removing it deletes the upload on the server). */
  own: boolean;
}

let keyCounter = 0;

/** The attachment list of one compose session. */
export function useAttachments(initial: readonly Upload[], onChange: () => void) {
  const [items, setItems] = useState<AttachmentItem[]>(() =>
    initial.map((u) => ({ key: `att-${++keyCounter}`, filename: u.filename, size: u.size, status: 'done', progress: 1, upload: u, own: false })),
  );
  const handles = useRef(new Map<string, UploadHandle>());
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    const map = handles.current;
    return () => {
      for (const h of map.values()) h.abort();
      map.clear();
    };
  }, []);

  const update = (key: string, change: Partial<AttachmentItem>) => setItems((list) => list.map((i) => (i.key === key ? { ...i, ...change } : i)));

  const add = useCallback((files: readonly File[]) => {
    const added: AttachmentItem[] = files.map((f) => ({ key: `att-${++keyCounter}`, filename: f.name, size: f.size, status: 'uploading', progress: 0, own: true }));
    setItems((list) => [...list, ...added]);
    files.forEach((file, i) => {
      const key = added[i]!.key;
      const handle = uploadFile(file, (progress) => update(key, { progress }));
      handles.current.set(key, handle);
      handle.promise.then(
        (upload) => {
          handles.current.delete(key);
          update(key, { status: 'done', progress: 1, upload, size: upload.size });
          changed.current();
        },
        (err: unknown) => {
          handles.current.delete(key);
          if (err instanceof DOMException && err.name === 'AbortError') return;
          update(key, { status: 'error', error: err instanceof Error ? err.message : String(err) });
        },
      );
    });
  }, []);

  const remove = useCallback((item: AttachmentItem) => {
    const handle = handles.current.get(item.key);
    if (handle) {
      handles.current.delete(item.key);
      handle.abort();
    } else if (item.status === 'done' && item.upload && item.own) {
      composeApi.deleteUpload(item.upload.id).catch(() => undefined);
    }
    setItems((list) => list.filter((i) => i.key !== item.key));
    if (item.status === 'done') changed.current();
  }, []);

  const replaceAll = useCallback((uploads: readonly Upload[]) => {
    for (const h of handles.current.values()) h.abort();
    handles.current.clear();
    setItems(uploads.map((u) => ({ key: `att-${++keyCounter}`, filename: u.filename, size: u.size, status: 'done', progress: 1, upload: u, own: false })));
  }, []);

  return { items, add, remove, replaceAll };
}
