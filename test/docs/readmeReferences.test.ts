import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The README is the project's manual: it names files, links pictures and documents, and its
// contents list links its own sections. A rename or a retitled section must not leave it pointing
// at nothing, so these references are checked like code.

const DOCUMENTS = ['README.md', 'docs/adaptive-policy-history.md'];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every heading's anchor; a repeated heading's get -1, -2… as on GitHub. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6} (.*)$/.exec(line);
    if (!heading) continue;
    const slug = anchorOf(heading[1]!);
    const repeats = seen.get(slug) ?? 0;
    seen.set(slug, repeats + 1);
    anchors.add(repeats === 0 ? slug : `${slug}-${repeats}`);
  }
  return anchors;
}

/** Link targets outside code fences: `[text](target)` and `![alt](target)`. */
function linkTargets(markdown: string): string[] {
  const outsideFences = markdown.split(/^```.*$/m).filter((_, index) => index % 2 === 0).join('\n');
  return [...outsideFences.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
}

/** Repository paths written in backticks, such as `scaler/policies/hpa.ts`. */
function quotedPaths(markdown: string): string[] {
  const pattern = /`([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+\.(?:ts|sh|md|json|ya?ml|svg|mjs|js))`/g;
  return [...new Set([...markdown.matchAll(pattern)].map((match) => match[1]!))];
}

describe.each(DOCUMENTS)('%s', (document) => {
  const markdown = readFileSync(document, 'utf8');
  const folder = document.includes('/') ? document.slice(0, document.lastIndexOf('/') + 1) : '';

  it('links only to sections it has', () => {
    const anchors = headingAnchors(markdown);
    const broken = linkTargets(markdown).filter((target) => target.startsWith('#') && !anchors.has(target.slice(1)));
    expect(broken).toEqual([]);
  });

  it('links only to files of the repository that exist, and to their sections', () => {
    const broken = linkTargets(markdown)
      .filter((target) => !target.startsWith('#') && !/^[a-z]+:/.test(target))
      .filter((target) => {
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const path = folder + file;
        if (!existsSync(path)) return true;
        return anchor !== undefined && path.endsWith('.md') && !headingAnchors(readFileSync(path, 'utf8')).has(anchor);
      });
    expect(broken).toEqual([]);
  });

  it('names only files that exist', () => {
    expect(quotedPaths(markdown).filter((path) => !existsSync(path))).toEqual([]);
  });
});

describe('the README contents list', () => {
  const markdown = readFileSync('README.md', 'utf8');

  it('lists every top-level section, in order', () => {
    const contents = /^## Contents\n([\s\S]*?)\n## /m.exec(markdown)?.[1] ?? '';
    const listed = [...contents.matchAll(/^- \[[^\]]*\]\(#([^)]+)\)/gm)].map((match) => match[1]);
    const sections = [...markdown.matchAll(/^## (.*)$/gm)].map((match) => match[1]!).filter((title) => title !== 'Contents');
    expect(listed).toEqual(sections.map(anchorOf));
  });
});
