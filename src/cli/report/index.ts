/** Run reports: an HTML page with timeline, histogram and summary, plus trace.json. */
export { writeReport, REPORT_FILES, type WrittenReport } from './write.ts';
export { renderReport, type ReportInput, type ExpectationLine, type RenderedReport } from './html.ts';
export { timelineFromChrome, phaseBands, updateWindows, classifyWait, type TimelineModel, type CallSample } from './model.ts';
