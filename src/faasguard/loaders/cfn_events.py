"""Triggers that other resources put on functions: S3 notifications, SNS subscriptions,
EventBridge rules and schedules, Cognito user pool triggers, IoT rules, log subscription
filters and ALB target groups. Event source mappings live with the Lambda resources.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from faasguard.loaders.cfn_stack import Stack, prop_line, sub
from faasguard.loaders.yamlsafe import line_of
from faasguard.model import Ref, Trigger, TriggerKind
from faasguard.model.values import as_list

Handler = Callable[[Stack, str, Mapping[str, Any]], None]


def _bucket(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    config = sub(props.get("NotificationConfiguration"), "LambdaConfigurations")
    for index, item in enumerate(as_list(config)):
        if not isinstance(item, Mapping):
            continue
        line = line_of(config, index)
        stack.add_trigger(item.get("Function"), Trigger(
            TriggerKind.S3, stack.at(line, lid), source=Ref(lid),
            properties={k: item[k] for k in ("Event", "Filter") if k in item}))


def _subscription(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    if props.get("Protocol") != "lambda":
        return
    stack.add_trigger(props.get("Endpoint"), Trigger(
        TriggerKind.SNS, stack.loc(lid), source=props.get("TopicArn"),
        properties={k: props[k] for k in ("FilterPolicy", "RedrivePolicy") if k in props}))


def _topic(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    items = props.get("Subscription")
    for index, item in enumerate(as_list(items)):
        if isinstance(item, Mapping) and item.get("Protocol") == "lambda":
            line = line_of(items, index)
            stack.add_trigger(item.get("Endpoint"),
                              Trigger(TriggerKind.SNS, stack.at(line, lid), source=Ref(lid)))


def _rule(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    schedule = props.get("ScheduleExpression")
    kind = TriggerKind.SCHEDULE if schedule is not None else TriggerKind.EVENTBRIDGE
    source = schedule if schedule is not None else props.get("EventPattern")
    targets = props.get("Targets")
    for index, target in enumerate(as_list(targets)):
        if not isinstance(target, Mapping):
            continue
        line = line_of(targets, index)
        extra = {k: props[k] for k in ("State", "EventBusName") if k in props}
        if "DeadLetterConfig" in target:
            extra["dead_letter"] = sub(target["DeadLetterConfig"], "Arn")
        stack.add_trigger(target.get("Arn"), Trigger(kind, stack.at(line, lid), source=source,
                                                     properties=extra))


def _schedule(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    target = props.get("Target")
    extra = {k: props[k] for k in ("State", "ScheduleExpressionTimezone") if k in props}
    if sub(target, "DeadLetterConfig") is not None:
        extra["dead_letter"] = sub(sub(target, "DeadLetterConfig"), "Arn")
    stack.add_trigger(sub(target, "Arn"), Trigger(
        TriggerKind.SCHEDULE, stack.at(prop_line(props, "Target"), lid),
        source=props.get("ScheduleExpression"), properties=extra))


def _user_pool(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    config = props.get("LambdaConfig")
    if not isinstance(config, Mapping):
        return
    for name, value in config.items():
        if isinstance(value, Mapping):  # CustomEmailSender / CustomSMSSender
            value = value.get("LambdaArn")
        stack.add_trigger(value, Trigger(TriggerKind.COGNITO, stack.at(prop_line(config, name),
                                                                        lid),
                                         source=Ref(lid), properties={"trigger": name}))


def _topic_rule(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    payload = props.get("TopicRulePayload")
    for action in as_list(sub(payload, "Actions")):
        function = sub(sub(action, "Lambda"), "FunctionArn")
        if function is not None:
            stack.add_trigger(function, Trigger(TriggerKind.IOT, stack.loc(lid),
                                                source=sub(payload, "Sql")))


def _log_subscription(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    stack.add_trigger(props.get("DestinationArn"), Trigger(
        TriggerKind.CLOUDWATCH_LOGS, stack.loc(lid), source=props.get("LogGroupName"),
        properties={"FilterPattern": props.get("FilterPattern")}))


def _target_group(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    if props.get("TargetType") != "lambda":
        return
    for target in as_list(props.get("Targets")):
        stack.add_trigger(sub(target, "Id"), Trigger(TriggerKind.ALB, stack.loc(lid),
                                                     source=Ref(lid)))


HANDLERS: dict[str, Handler] = {
    "AWS::S3::Bucket": _bucket,
    "AWS::SNS::Subscription": _subscription,
    "AWS::SNS::Topic": _topic,
    "AWS::Events::Rule": _rule,
    "AWS::Scheduler::Schedule": _schedule,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::IoT::TopicRule": _topic_rule,
    "AWS::Logs::SubscriptionFilter": _log_subscription,
    "AWS::ElasticLoadBalancingV2::TargetGroup": _target_group,
}


def build_triggers(stack: Stack) -> None:
    for lid, rtype in stack.types.items():
        handler = HANDLERS.get(rtype)
        props = stack.props.get(lid)
        if handler is not None and isinstance(props, Mapping):
            handler(stack, lid, props)
