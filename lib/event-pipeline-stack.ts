import { CfnOutput, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EventPipeline, EventPipelineProps } from './event-pipeline';

/** Deployment stages of the sample app. */
export type Stage = 'sandbox' | 'prod';

export interface EventPipelineStackProps extends StackProps {
  /**
   * `sandbox` destroys everything on `cdk destroy`; `prod` retains the tables and the key.
   * @default 'sandbox'
   */
  readonly stage?: Stage;
  /**
   * Props of the pipeline.
   * @default - the defaults of EventPipeline
   */
  readonly pipeline?: EventPipelineProps;
}

/** A stack holding one EventPipeline, with its endpoints as outputs. */
export class EventPipelineStack extends Stack {
  /** The pipeline. */
  public readonly pipeline: EventPipeline;

  constructor(scope: Construct, id: string, props: EventPipelineStackProps = {}) {
    super(scope, id, props);
    const stage = props.stage ?? 'sandbox';
    if (stage !== 'sandbox' && stage !== 'prod') {
      throw new Error(`stage must be 'sandbox' or 'prod' (got '${String(stage)}')`);
    }
    this.pipeline = new EventPipeline(this, 'Pipeline', {
      removalPolicy: stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...props.pipeline,
    });

    const p = this.pipeline;
    const outputs: Record<string, string> = {
      TopicArn: p.topic.topicArn,
      EventLogQueueUrl: p.eventLog.queue.queueUrl,
      EventLogDeadLetterQueueUrl: p.eventLog.deadLetterQueue.queueUrl,
      StateProjectorQueueUrl: p.stateProjector.queue.queueUrl,
      StateProjectorDeadLetterQueueUrl: p.stateProjector.deadLetterQueue.queueUrl,
      EventsTableName: p.eventsTable.tableName,
      StateTableName: p.stateTable.tableName,
    };
    for (const [id, value] of Object.entries(outputs)) new CfnOutput(this, id, { value });
  }
}
