/**
 * The HTML report in headless Debian Chromium (playwright-core drives /usr/bin/chromium; nothing downloads a
 * browser): it renders with no console errors, every chart canvas is drawn, and the page asks for nothing
 * outside itself. The counts are those of the sample with its expected answers; a screenshot goes to
 * test-output/.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CoverageCounter } from '../../transitions/report/coverage';
import { toHtml } from '../../transitions/report/html';
import { readSample } from '../../transitions/sandbox/sample';
import type { Doc } from '../../transitions/types';

const CHROMIUM = '/usr/bin/chromium';

/** What the test reads of a canvas in the page (the project compiles without the DOM's types). */
interface Canvas {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: ArrayLike<number> } } | null;
}
const OUTPUT = path.resolve(__dirname, '..', '..', '..', 'test-output');

function sampleReportHtml(): string {
  const answers = readSample<Record<string, unknown>>('expected-client-registry.json');
  const counter = new CoverageCounter({ contactTypes: ['f_client'] });
  for (const doc of readSample<Doc[]>('contacts.json')) {
    counter.add(answers[doc._id] === null ? doc : { ...doc, client_registry: answers[doc._id] });
  }
  return toHtml({ generatedAt: '2026-12-03T12:00:00.000Z', instances: [{ instance: 'kisumu', rows: counter.rows() }], unreadable: [] });
}

describe('HTML coverage report in Chromium', function () {
  let browser: Browser | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
  });

  it('renders every chart with no console error and no request outside the file', async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const file = path.join(OUTPUT, 'coverage.html');
    const html = sampleReportHtml();
    writeFileSync(file, html);
    expect(html).not.to.match(/Achieng|23456781|\+2547/); // a client's name, ID number or phone never appears

    const page = await (browser as Browser).newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`file://${file}`);

    const canvases = await page.$$eval('canvas', (elements) =>
      elements.map((element) => {
        const canvas = element as unknown as Canvas;
        const { data } = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height) ?? { data: [] };
        let drawn = 0;
        for (let i = 3; i < data.length; i += 4) {
          drawn += (data[i] ?? 0) > 0 ? 1 : 0;
        }
        return { id: canvas.id, drawn };
      }),
    );
    await page.screenshot({ path: path.join(OUTPUT, 'coverage.png'), fullPage: true });
    expect(problems).to.deep.equal([]);
    expect(canvases.map((canvas) => canvas.id)).to.deep.equal(['by-sub-county', 'by-chu', 'reasons']);
    for (const canvas of canvases) {
      expect(canvas.drawn, canvas.id).to.be.above(1000);
    }
    expect(requests).to.deep.equal([`file://${file}`]);
    expect(await page.textContent('h1')).to.equal('eCHIS clients in the Client Registry');
    expect(await page.locator('td', { hasText: 'Kombewa Community Health Unit' }).count()).to.equal(1);
  });
});
