import { describe, expect, it } from 'vitest';
import { coresChangeText } from '../../scaler/coresChangeText.js';

describe("how a CPU limit's change reads (the report's decision table, the demo's live line)", () => {
  it('is in hundredths of a core', () => {
    expect(coresChangeText(0.1, 0.3)).toEqual(['0.10', '0.30']);
    expect(coresChangeText(0.2, 0.13)).toEqual(['0.20', '0.13']);
  });

  it('is to the millicore when hundredths would show no change', () => {
    expect(coresChangeText(0.13, 0.127838686)).toEqual(['0.130', '0.128']);
    expect(coresChangeText(0.11571623, 0.12)).toEqual(['0.116', '0.120']);
  });

  it('keeps hundredths for a limit that did not change, and gives ? for a side not recorded', () => {
    expect(coresChangeText(0.5, 0.5)).toEqual(['0.50', '0.50']);
    expect(coresChangeText(undefined, 0.5)).toEqual(['?', '0.50']);
  });
});
