import { CfnOutput, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EventPipeline, EventPipelineProps } from './event-pipeline';
import { EventsApiAuthorization } from './events-api-props';

/**
 * Deployment stages of the sample app: `SANDBOX` (`'sandbox'`) destroys the
 * tables and the key with the stack, `PROD` (`'prod'`) retains them.
 */
export enum Stage {
  /** Destroys the tables and the key with the stack. */
  SANDBOX = 'sandbox',
  /** Retains the tables and the key when the stack is destroyed. */
  PROD = 'prod',
}

/** The stages, as a message lists them: `'sandbox' or 'prod'`. */
const STAGES = Object.values(Stage).map((s) => `'${s}'`).join(' or ');

/**
 * Days the sample stack's topic archives its messages, by stage. Sandbox: a
 * week, enough to backfill a consumer tried out during the week, on a stack
 * that seldom lives longer. Prod: 30 days, the events table's own retention
 * (`eventRetention`'s default) and the log groups' (one month), so that a
 * consumer added or fixed within a month can be replayed everything the rest
 * of the pipeline still remembers. SNS bills the archive by the GB stored
 * per month and a replay by the GB replayed.
 */
const ARCHIVE_DAYS: Readonly<Record<Stage, number>> = { [Stage.SANDBOX]: 7, [Stage.PROD]: 30 };

/** The sample app's one API partner. */
const SAMPLE_PARTNER = 'vendor-acme';

/** Props of {@link EventPipelineStack}: the stack's own props, a stage and the pipeline's props. */
export interface EventPipelineStackProps extends StackProps {
  /**
   * `SANDBOX` destroys everything on `cdk destroy`; `PROD` retains the tables and the key.
   * @default Stage.SANDBOX
   */
  readonly stage?: Stage;
  /**
   * Props of the pipeline. A `removalPolicy` here wins over the one `stage` implies.
   * @default - the defaults of EventPipeline, with the stage's removal policy
   */
  readonly pipeline?: EventPipelineProps;
}

/**
 * A stack holding one {@link EventPipeline}, with its endpoints as outputs:
 * `TopicArn`, `EventLogQueueUrl`, `EventLogDeadLetterQueueUrl`,
 * `StateProjectorQueueUrl`, `StateProjectorDeadLetterQueueUrl`,
 * `EventsTableName`, `StateTableName`, and `EventsApiUrl` with
 * `EventsApiKeyId` (the sample partner `vendor-acme`'s API key), a
 * dashboard (see {@link PipelineDashboard}), and a topic archive of 7 days
 * in sandbox, 30 days in prod (`messageRetentionPeriodInDays`). The sample app deploys it:
 * partners publish with their API key, reads take SigV4.
 */
export class EventPipelineStack extends Stack {
  /** The pipeline, with id `Pipeline`. */
  public readonly pipeline: EventPipeline;

  constructor(scope: Construct, id: string, props: EventPipelineStackProps = {}) {
    super(scope, id, props);
    const stage = props.stage ?? Stage.SANDBOX;
    if (!Object.values(Stage).includes(stage)) {
      throw new Error(`stage must be ${STAGES} (got '${String(stage)}')`);
    }
    this.pipeline = new EventPipeline(this, 'Pipeline', {
      removalPolicy: stage === Stage.PROD ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      api: {
        publishAuthorization: EventsApiAuthorization.API_KEY,
        readAuthorization: EventsApiAuthorization.IAM,
        partners: [{ name: SAMPLE_PARTNER, rateLimit: 50, burstLimit: 100, quota: 1_000_000 }],
      },
      dashboard: {},
      // Only for the topic the pipeline creates: none when the props bring their own.
      ...(props.pipeline?.topic === undefined && { messageRetentionPeriodInDays: ARCHIVE_DAYS[stage] }),
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
      ...(p.api && { EventsApiUrl: p.api.url }),
      ...(p.api?.apiKeys[SAMPLE_PARTNER] && { EventsApiKeyId: p.api.apiKeys[SAMPLE_PARTNER].keyId }),
    };
    for (const [id, value] of Object.entries(outputs)) new CfnOutput(this, id, { value });
  }
}
