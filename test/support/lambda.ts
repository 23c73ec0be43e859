/**
 * Calling the Lambda handlers in the tests, unit and integration alike: a Lambda
 * context, and the input the state machine gives the handlers for a run started by
 * hand; both from rehearsal/local-aws.ts, which the measurement scripts use too.
 */
export { lambdaContext, manualRunInput } from '../../rehearsal/local-aws.js';
