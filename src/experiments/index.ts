/** The studies the notebooks run: configs per profile, runners, tables and figures. */
export * from './notebook.js';
export * from './quickstart.js';
export * from './studyFrames.js';
export * from './renas424.js';
export * from './renasFigures.js';
export * from './renasSearch.js';
export * from './renasNb201.js';
export * from './fairnessAblation.js';
export * from './fairnessFigures.js';
export * from './siameseSweep.js';
export * from './siameseSweepReport.js';
export * from './siameseSweepAblation.js';
