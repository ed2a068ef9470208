/**
 * `npm run icons`: draws the Teams app's icons into appPackage/ — color.png (192×192: a white
 * funnel with a lead dropping in, on the product's blue) and outline.png (32×32: the same glyph,
 * white on transparent, as Teams requires). Shapes are drawn with 4×4 supersampling.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng, type Rgba } from './png';

const BLUE = [0x1f, 0x5f, 0xc8] as const;
const OUT = join(__dirname, '..', '..', '..', 'appPackage');

/** The glyph in unit coordinates (0..1 both ways): a funnel, and a lead (a dot) falling into it. */
function inGlyph(x: number, y: number): boolean {
  const lead = (x - 0.5) ** 2 + (y - 0.12) ** 2 <= 0.09 ** 2;
  // The bowl narrows from 0.9 wide at y = 0.3 to 0.22 wide at y = 0.66; then a spout down to 0.95.
  const bowl = y >= 0.3 && y <= 0.66 && Math.abs(x - 0.5) <= 0.45 - ((y - 0.3) / 0.36) * 0.34;
  const spout = y > 0.66 && y <= 0.95 && Math.abs(x - 0.5) <= 0.11;
  return lead || bowl || spout;
}

/** A rounded square filling the icon. */
function inBackground(x: number, y: number): boolean {
  const r = 0.2;
  const dx = Math.max(r - x, x - (1 - r), 0);
  const dy = Math.max(r - y, y - (1 - r), 0);
  return dx * dx + dy * dy <= r * r;
}

function draw(size: number, paint: (x: number, y: number) => readonly [number, number, number, number] | undefined): Rgba {
  const pixels = new Uint8Array(size * size * 4);
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const sum: [number, number, number, number] = [0, 0, 0, 0];
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const colour = paint((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size);
          if (colour === undefined) continue;
          const [r, g, b, a] = colour;
          sum[0] += r * a;
          sum[1] += g * a;
          sum[2] += b * a;
          sum[3] += a;
        }
      }
      const alpha = sum[3] / (samples * samples);
      const at = (py * size + px) * 4;
      // Colour averaged over the covered samples (premultiplied), so edges do not darken.
      for (let c = 0; c < 3; c++) pixels[at + c] = alpha === 0 ? 0 : Math.round((sum[c] ?? 0) / sum[3]);
      pixels[at + 3] = Math.round(alpha * 255);
    }
  }
  return { width: size, height: size, pixels };
}

const WHITE = [255, 255, 255, 1] as const;
// The glyph takes the middle 60% of the color icon, and nearly all of the outline icon.
const color = draw(192, (x, y) => {
  if (!inBackground(x, y)) return undefined;
  return inGlyph((x - 0.2) / 0.6, (y - 0.2) / 0.6) ? WHITE : [...BLUE, 1];
});
const outline = draw(32, (x, y) => (inGlyph((x - 0.04) / 0.92, (y - 0.04) / 0.92) ? WHITE : undefined));

writeFileSync(join(OUT, 'color.png'), encodePng(color));
writeFileSync(join(OUT, 'outline.png'), encodePng(outline));
process.stdout.write('Wrote appPackage/color.png (192×192) and appPackage/outline.png (32×32)\n');
