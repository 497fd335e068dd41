import { describe, expect, it } from 'vitest';
import { html, join, raw, type Html } from '../../../src/http/html.js';

const SCRIPT = '<script>alert(1)</script>';

describe('html', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(html`${`<a href="x" title='y'>&</a>`}`.text).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
    expect(html`${'plain text, ünïcode ✓'}`.text).toBe('plain text, ünïcode ✓');
  });

  it('escapes every interpolated string, in content, in attributes and in lists', () => {
    expect(html`<p title="${SCRIPT}">${SCRIPT}</p>`.text).toBe('<p title="&#60;script&#62;alert(1)&#60;/script&#62;">&#60;script&#62;alert(1)&#60;/script&#62;</p>');
    expect(html`<ul>${[SCRIPT, [SCRIPT]].map((item) => html`<li>${item}</li>`)}</ul>`.text).toBe('<ul><li>&#60;script&#62;alert(1)&#60;/script&#62;</li><li>&#60;script&#62;alert(1)&#60;/script&#62;</li></ul>');
    expect(html`${[SCRIPT, '"']}`.text).toBe('&#60;script&#62;alert(1)&#60;/script&#62;&#34;');
    expect(join([SCRIPT, 'b'], html`<br>`).text).toBe('&#60;script&#62;alert(1)&#60;/script&#62;<br>b');
  });

  it('keeps its own literal text, numbers, nested markup and raw text as they are', () => {
    expect(html`<b class="x">${1_234.5}</b>${html`<i>${'&'}</i>`}${raw('<style>a{font:"x"}</style>')}`.text).toBe('<b class="x">1234.5</b><i>&#38;</i><style>a{font:"x"}</style>');
    expect(html`a\nb`.text).toBe('a\nb');
    expect(String(html`<br>`)).toBe('<br>');
  });

  it('takes no string, and no object shaped like markup, for markup: both are escaped', () => {
    const lookalike = { text: SCRIPT, toString: () => SCRIPT };
    // @ts-expect-error an object written elsewhere is not markup
    const forged: Html = lookalike;
    // @ts-expect-error a string is not markup
    const plain: Html = SCRIPT;
    const escaped = '&#60;script&#62;alert(1)&#60;/script&#62;';
    expect(html`${forged}|${plain}`.text).toBe(`${escaped}|${escaped}`);
    expect(join([forged, plain], html`<br>`).text).toBe(`${escaped}<br>${escaped}`);
  });
});
