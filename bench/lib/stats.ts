/** Medians and ranges over rounds. */

export interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly count: number
}

/** Median, min and max of the defined values; undefined when there are none. */
export const summarize = (values: ReadonlyArray<number | undefined>): Summary | undefined => {
  const sorted = values.filter((value): value is number => value !== undefined && Number.isFinite(value))
    .sort((a, b) => a - b)
  if (sorted.length === 0) return undefined
  const middle = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  return { median, min: sorted[0], max: sorted[sorted.length - 1], count: sorted.length }
}
