// The few jStat functions used by statistics.ts (jstat ships no type declarations).
declare module 'jstat' {
  interface Distribution {
    cdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
  }
  const mod: {
    jStat: {
      normal: Distribution;
      studentt: Distribution;
      chisquare: Distribution;
    };
  };
  export default mod;
}
