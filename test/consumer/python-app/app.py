# A CDK app as a Python user of the package writes it: it imports the package
# by name, brings its own handler for the FIFO consumer, subscribes to a topic
# that already exists, and puts two pipelines in one stack. The same app as
# test/consumer/app/src/app.ts and test/consumer/java-app.
import os

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from cdk_event_pipeline import ConsumerOptions, EventPipeline

HERE = os.path.dirname(os.path.abspath(__file__))

app = cdk.App()
stack = cdk.Stack(app, "ConsumerStack", env=cdk.Environment(account="123456789012", region="eu-west-1"))

# The orders topic belongs to another team's stack. The CDK knows it is FIFO
# from the `.fifo` at the end of its ARN.
orders_topic = sns.Topic.from_topic_arn(stack, "OrdersTopic", "arn:aws:sns:eu-west-1:123456789012:orders.fifo")

EventPipeline(
    stack,
    "Orders",
    topic=orders_topic,
    event_retention=cdk.Duration.days(90),
    log_retention=logs.RetentionDays.ONE_WEEK,
    removal_policy=cdk.RemovalPolicy.DESTROY,
    event_log=ConsumerOptions(
        event_types=["order.created", "order.paid"],
        batch_size=200,
        max_batching_window=cdk.Duration.seconds(5),
    ),
    state_projector=ConsumerOptions(
        code=lambda_.Code.from_asset(os.path.join(HERE, "handlers", "order-projector")),
        filter_policy={"type": sns.SubscriptionFilter.string_filter(allowlist=["order.paid", "order.cancelled"])},
        batch_size=5,
        timeout=cdk.Duration.seconds(10),
        environment={"PROJECTION": "orders"},
    ),
)

# A second pipeline in the same stack, with its own topic and the defaults.
EventPipeline(stack, "Parcels")

app.synth()
