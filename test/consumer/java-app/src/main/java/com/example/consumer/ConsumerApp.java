// A CDK app as a Java user of the package writes it: it imports the package,
// brings its own handler for the FIFO consumer, subscribes to a topic that
// already exists, and puts two pipelines in one stack. The same app as
// test/consumer/app/src/app.ts and test/consumer/python-app/app.py.
package com.example.consumer;

import io.github.cdkeventpipeline.ConsumerOptions;
import io.github.cdkeventpipeline.EventPipeline;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.StringConditions;
import software.amazon.awscdk.services.sns.SubscriptionFilter;
import software.amazon.awscdk.services.sns.Topic;

public final class ConsumerApp {
    private ConsumerApp() {}

    public static void main(final String[] args) {
        App app = new App();
        Stack stack = new Stack(app, "ConsumerStack", StackProps.builder()
                .env(Environment.builder().account("123456789012").region("eu-west-1").build())
                .build());

        // The orders topic belongs to another team's stack. The CDK knows it is FIFO
        // from the `.fifo` at the end of its ARN.
        ITopic ordersTopic = Topic.fromTopicArn(stack, "OrdersTopic", "arn:aws:sns:eu-west-1:123456789012:orders.fifo");

        EventPipeline.Builder.create(stack, "Orders")
                .topic(ordersTopic)
                .eventRetention(Duration.days(90))
                .logRetention(RetentionDays.ONE_WEEK)
                .removalPolicy(RemovalPolicy.DESTROY)
                .eventLog(ConsumerOptions.builder()
                        .eventTypes(List.of("order.created", "order.paid"))
                        .batchSize(200)
                        .maxBatchingWindow(Duration.seconds(5))
                        .build())
                .stateProjector(ConsumerOptions.builder()
                        .code(Code.fromAsset("handlers/order-projector"))
                        .filterPolicy(Map.of("type", SubscriptionFilter.stringFilter(StringConditions.builder()
                                .allowlist(List.of("order.paid", "order.cancelled"))
                                .build())))
                        .batchSize(5)
                        .timeout(Duration.seconds(10))
                        .environment(Map.of("PROJECTION", "orders"))
                        .build())
                .build();

        // A second pipeline in the same stack, with its own topic and the defaults.
        new EventPipeline(stack, "Parcels");

        app.synth();
    }
}
