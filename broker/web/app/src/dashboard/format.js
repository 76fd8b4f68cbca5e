// Dashboard number formatting and the charts' y-axis ticks. Pure functions, no DOM.
// Byte figures use binary units (KiB = 1024 B) everywhere, and the byte chart's ticks are
// round steps *in the unit printed*, so the labels read 0, 20, 40 … KiB/s rather than
// binary renderings of decimal steps (which printed "97.7 KiB/s" for 100,000).

export const int = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
export const dec = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
// A chart shows at most about this many ticks: 220 px tall, a label every 40 px or more.
const MAX_TICKS = 5;

export function rate(v) {
  return v >= 100 || v === 0 ? int.format(v) : dec.format(v);
}

/** The binary unit exponent for `v` bytes: 0 = B, 1 = KiB, … */
function byteUnit(v) {
  let i = 0;
  while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i;
}

/** "97.7 KiB" (one decimal above bytes); `unit` forces the exponent. */
export function bytes(v, suffix = "", unit = byteUnit(v)) {
  const scaled = v / 1024 ** unit;
  return `${unit === 0 ? int.format(scaled) : dec.format(scaled)} ${BYTE_UNITS[unit]}${suffix}`;
}

/** The smallest 1, 2 or 5 × 10^n that is >= x (x > 0). */
function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/**
 * Ticks for a 0-based axis whose data reaches `max`: {top, step, scale, ticks} where the
 * ticks are 0, step, 2·step … top, ascending. `scale` is the value of one printed unit
 * (1024^k for bytes, 1 for counts); steps are 1/2/5 × 10^n of that unit.
 */
export function axisTicks(max, binary) {
  max = Math.max(Number.isFinite(max) ? max : 0, 1);
  const scale = binary ? 1024 ** byteUnit(max) : 1;
  let step = niceStep(max / scale / MAX_TICKS) * scale;
  // Whole units for small figures: no "0.5 B/s" or "1.5 messages/s" ticks below 1.
  if (step < scale) step = scale;
  const top = Math.ceil(max / step) * step;
  const ticks = [];
  for (let k = 0; k * step <= top + step / 2; k++) ticks.push(k * step);
  return { top, step, scale, ticks };
}

/** The tick label: bytes in the axis's unit ("512 KiB/s"), counts as plain numbers. */
export function tickLabel(v, axis, binary) {
  if (!binary) return rate(v);
  const unit = Math.round(Math.log(axis.scale) / Math.log(1024));
  return v === 0 ? "0 B/s" : bytes(v, "/s", unit);
}

export function duration(seconds) {
  let s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hh = Math.floor(s / 3600);
  s -= hh * 3600;
  const mm = Math.floor(s / 60);
  s -= mm * 60;
  if (d) return `${d}d ${hh}h ${mm}m`;
  if (hh) return `${hh}h ${mm}m ${s}s`;
  if (mm) return `${mm}m ${s}s`;
  return `${s}s`;
}

export function hms(seconds) {
  const d = new Date(seconds * 1000);
  const p = (n) => String(n).padStart(2, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
