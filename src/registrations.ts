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

PREDICTORS.ensure(GCN_PREDICTOR);
PREDICTORS.ensure(SIAMS_PREDICTOR);
PREDICTORS.ensure(SIAMS_NSAM_PREDICTOR);
PREDICTORS.ensure(BRP_NAS_PREDICTOR);
PREDICTORS.ensure(RENAS_PREDICTOR);
PREDICTORS.ensure(PARAM_COUNT_PREDICTOR);

SEARCHERS.ensure(RANDOM_SEARCHER);
SEARCHERS.ensure(TOP_K_SEARCHER);
SEARCHERS.ensure(REGULARIZED_EVOLUTION_SEARCHER);
SEARCHERS.ensure(LOCAL_SEARCH_SEARCHER);

SPACES.ensure(NB101_SPACE);
SPACES.ensure(NB201_SPACE);
