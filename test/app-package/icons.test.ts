import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '../../scripts/app-package/icons/png';

const APP_PACKAGE = join(__dirname, '..', '..', 'appPackage');
const manifest = JSON.parse(readFileSync(join(APP_PACKAGE, 'manifest.json'), 'utf8')) as { icons: { color: string; outline: string } };
const icon = (name: string) => decodePng(readFileSync(join(APP_PACKAGE, name)));

describe("the Teams app's icons", () => {
  it('color: 192×192 RGBA, the glyph in white on a colour', () => {
    const color = icon(manifest.icons.color);
    expect([color.width, color.height, color.bitDepth, color.colorType]).toEqual([192, 192, 8, 6]);
    const centre = (96 * 192 + 96) * 4;
    const edge = (96 * 192 + 4) * 4;
    expect(Array.from(color.pixels.subarray(edge, edge + 4))).toEqual([0x1f, 0x5f, 0xc8, 255]);
    expect(Array.from(color.pixels.subarray(centre, centre + 4))).toEqual([255, 255, 255, 255]);
  });

  it('outline: 32×32, only white on a transparent background, as Teams requires', () => {
    const outline = icon(manifest.icons.outline);
    expect([outline.width, outline.height, outline.bitDepth, outline.colorType]).toEqual([32, 32, 8, 6]);
    let opaque = 0;
    let transparent = 0;
    for (let i = 0; i < outline.pixels.length; i += 4) {
      const [r, g, b, a] = outline.pixels.subarray(i, i + 4);
      if (a === 0) transparent++;
      else expect([r, g, b]).toEqual([255, 255, 255]);
      if (a === 255) opaque++;
    }
    expect(opaque).toBeGreaterThan(100);
    expect(transparent).toBeGreaterThan(400);
    expect(outline.pixels[3]).toBe(0); // a corner
  });
});
