/**
 * The built-in parts, registered by name: one line each. A new predictor,
 * searcher or search space is its own file plus one line here (README,
 * "Extending"). The run engine's task modules import this file, so worker
 * threads and queue workers know every part registered here.
 */
import { PREDICTORS } from './predictors/registry.js';
import { SEARCHERS } from './searchers/registry.js';
import { SPACES } from './spaces/registry.js';
import { BRP_NAS_PREDICTOR, GCN_PREDICTOR, RENAS_PREDICTOR, SIAMS_NSAM_PREDICTOR, SIAMS_PREDICTOR } from './predictors/builtinSpecs.js';
import { PARAM_COUNT_PREDICTOR } from './predictors/paramCount.js';
import { LOCAL_SEARCH_SEARCHER, RANDOM_SEARCHER, REGULARIZED_EVOLUTION_SEARCHER, TOP_K_SEARCHER } from './searchers/builtinSpecs.js';
import { NB101_SPACE, NB201_SPACE } from './spaces/builtinSpecs.js';

const once = <T extends { name: string }>(registry: { has(n: string): boolean; register(e: T): T }, entry: T): void => {
  if (!registry.has(entry.name)) registry.register(entry);
};

once(PREDICTORS, GCN_PREDICTOR);
once(PREDICTORS, SIAMS_PREDICTOR);
once(PREDICTORS, SIAMS_NSAM_PREDICTOR);
once(PREDICTORS, BRP_NAS_PREDICTOR);
once(PREDICTORS, RENAS_PREDICTOR);
once(PREDICTORS, PARAM_COUNT_PREDICTOR);

once(SEARCHERS, RANDOM_SEARCHER);
once(SEARCHERS, TOP_K_SEARCHER);
once(SEARCHERS, REGULARIZED_EVOLUTION_SEARCHER);
once(SEARCHERS, LOCAL_SEARCH_SEARCHER);

once(SPACES, NB101_SPACE);
once(SPACES, NB201_SPACE);
