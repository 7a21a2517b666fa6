// Statistics behind `layerout study`: Student's t quantiles and Welch intervals on known values.
import { describe, expect, it } from 'vitest';
import { incompleteBeta, mean, normalCdf, sampleStd, studentTCdf, studentTQuantile, welchInterval } from '../src/study/stats';

describe('study statistics', () => {
  it('mean and sample standard deviation', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138089935, 9);
    expect(sampleStd([1])).toBeNaN();
  });

  it('Student t quantiles match tables', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706205, 5);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.302653, 6);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.776445, 6);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228139, 6);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272, 6);
    expect(studentTQuantile(0.995, 5)).toBeCloseTo(4.032143, 6);
    expect(studentTQuantile(0.975, 2.5)).toBeGreaterThan(studentTQuantile(0.975, 3));
    expect(studentTQuantile(0.975, 2.5)).toBeLessThan(studentTQuantile(0.975, 2));
    expect(studentTQuantile(0.975, Infinity)).toBeCloseTo(1.959964, 6);
    expect(studentTQuantile(0.975, 1e9)).toBeCloseTo(1.959964, 6);
    expect(studentTQuantile(0.025, 4)).toBeCloseTo(-2.776445, 6);
  });

  it('CDFs agree with closed forms', () => {
    // t with 1 df is Cauchy; with 2 df, F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
    for (const t of [-3, -0.5, 0.2, 1, 7]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
    }
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 10);
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
  });

  it('Welch interval on known inputs', () => {
    // a: mean 2.5, var 5/3; b: mean 6, var 10. se^2 = 5/12 + 2 = 29/12.
    const w = welchInterval([1, 2, 3, 4], [2, 4, 6, 8, 10])!;
    const se2 = 5 / 12 + 2;
    const df = se2 ** 2 / ((5 / 12) ** 2 / 3 + 2 ** 2 / 4);
    expect(w.diff).toBeCloseTo(-3.5, 12);
    expect(w.df).toBeCloseTo(df, 10);
    expect(w.df).toBeCloseTo(5.520788, 5); // scipy.stats.ttest_ind(..., equal_var=False).df
    const half = studentTQuantile(0.975, df) * Math.sqrt(se2);
    expect(w.low).toBeCloseTo(-3.5 - half, 10);
    expect(w.high).toBeCloseTo(-3.5 + half, 10);
    // scipy: stats.t.ppf(0.975, 5.520788) = 2.499331; interval -7.385368 .. 0.385368
    expect(studentTQuantile(0.975, w.df)).toBeCloseTo(2.499331, 6);
    expect(w.low).toBeCloseTo(-7.385368, 5);
    expect(w.high).toBeCloseTo(0.385368, 5);
    expect(welchInterval([1], [1, 2])).toBeNull();
    expect(welchInterval([1, 1], [2, 2])).toEqual({ diff: -1, low: -1, high: -1, df: Infinity, level: 0.95 });
  });
});
