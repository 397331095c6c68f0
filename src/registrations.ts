/**
 * The built-in parts, registered by name: one list entry each. A new
 * predictor, searcher or search space is its own file plus its entry in a
 * list here (README, "Extending"). The run engine's task modules import this file, so worker
 * threads and queue workers know every part registered here.
 */
import { PREDICTORS } from './predictors/registry.js';
import { SEARCHERS } from './searchers/registry.js';
import { SPACES } from './spaces/registry.js';
import { BRP_NAS_PREDICTOR, GCN_PREDICTOR, RENAS_PREDICTOR, SIAMS_NSAM_PREDICTOR, SIAMS_PREDICTOR } from './predictors/builtinSpecs.js';
import { PARAM_COUNT_PREDICTOR } from './predictors/paramCount.js';
import { LOCAL_SEARCH_SEARCHER, RANDOM_SEARCHER, REGULARIZED_EVOLUTION_SEARCHER, TOP_K_SEARCHER } from './searchers/builtinSpecs.js';
import { NB101_SPACE, NB201_SPACE } from './spaces/builtinSpecs.js';

// `ensure`, so a module evaluated again (a notebook kernel) registers nothing twice. Loops rather than one
// bare `PREDICTORS.ensure(X);` statement per part: tslab's compiler crashed on a notebook importing the latter.
for (const spec of [GCN_PREDICTOR, SIAMS_PREDICTOR, SIAMS_NSAM_PREDICTOR, BRP_NAS_PREDICTOR, RENAS_PREDICTOR, PARAM_COUNT_PREDICTOR]) PREDICTORS.ensure(spec);
for (const spec of [RANDOM_SEARCHER, TOP_K_SEARCHER, REGULARIZED_EVOLUTION_SEARCHER, LOCAL_SEARCH_SEARCHER]) SEARCHERS.ensure(spec);
for (const spec of [NB101_SPACE, NB201_SPACE]) SPACES.ensure(spec);
