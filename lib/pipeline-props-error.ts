import { InvalidPropsError, PIPELINE_PROPS_ERROR } from './validation';

/**
 * Recognises the error the constructs throw when their props are invalid:
 * props that AWS would reject or that break the pipeline's guarantees. The
 * error is an `Error` named `PipelinePropsError`, thrown once per construct
 * with every problem found, one per line, each naming the prop, the value
 * received and what is allowed:
 *
 * ```text
 * Invalid EventPipeline (Stack/Orders) props:
 *   - eventLog.batchSize must be a whole number between 1 and 10000 on a standard queue (got 20000)
 *   - stateProjector.batchSize must be a whole number between 1 and 10 on a FIFO queue (got 11)
 * ```
 *
 * In Python, Java, .NET and Go the error reaches the app as that language's
 * jsii runtime error, with the same message.
 */
export class PipelinePropsError {
  /**
   * Whether `x` is the error a construct threw for invalid props. In
   * TypeScript it narrows `x` to that error, which has `construct` (the
   * construct, with its path) and `problems` (one message per problem) besides
   * `message`. It recognises the errors of any copy of this package.
   *
   * @param x anything, such as the value caught by `catch`
   */
  public static isPipelinePropsError(x: any): x is InvalidPropsError {
    return x !== null && typeof x === 'object' && PIPELINE_PROPS_ERROR in x;
  }

  private constructor() {}
}
