import { describe, expect, it } from 'vitest';
import { escapeXml, formatCount, formatNs, renderLineChart } from './svg-plot.js';
import { xmlProblem } from './test-fixtures.js';

function expectWellFormedXml(xml: string): void {
  expect(xmlProblem(xml)).toBeNull();
}


describe('svg plot', () => {
  it('writes a well-formed chart with one polyline per series and escaped text', () => {
    const svg = renderLineChart({
      title: 'latency <by> percentile & "rate"',
      x: { label: 'percentile', scale: 'log', ticks: [{ value: 1, label: '0%' }, { value: 100, label: '99%' }] },
      y: { label: 'ns', scale: 'log', format: formatNs },
      series: [
        { label: 'a & b', points: [{ x: 1, y: 100 }, { x: 10, y: 1_000 }, { x: 100, y: 50_000 }] },
        { label: 'c', points: [{ x: 1, y: 200 }, { x: 100, y: 0 }, { x: 50, y: 70_000 }] },
      ],
    });
    expectWellFormedXml(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline /g)?.length).toBe(2);
    expect(svg).toContain('latency &lt;by&gt; percentile &amp; &quot;rate&quot;');
    expect(svg).toContain('>99%<');
    expect(svg).not.toContain('NaN');
  });

  it('has a checker that notices broken XML', () => {
    expect(xmlProblem('<svg><g></svg>')).toMatch(/closes/);
    expect(xmlProblem('<svg>a < b</svg>')).toMatch(/text/);
    expect(xmlProblem('<svg/><svg/>')).toMatch(/root/);
  });

  it('draws an empty chart without failing', () => {
    const svg = renderLineChart({ title: 'empty', x: { label: 'x', scale: 'linear' }, y: { label: 'y', scale: 'log' }, series: [] });
    expectWellFormedXml(svg);
    expect(svg).not.toContain('NaN');
  });

  it('formats durations and counts briefly', () => {
    expect(formatNs(850)).toBe('850 ns');
    expect(formatNs(12_500)).toBe('12.5 µs');
    expect(formatNs(3_210_000)).toBe('3.21 ms');
    expect(formatCount(1_250_000)).toBe('1.25M');
    expect(escapeXml(`<'&">`)).toBe('&lt;&apos;&amp;&quot;&gt;');
  });
});
