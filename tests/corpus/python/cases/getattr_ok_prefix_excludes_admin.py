import json


class Calculator:
    def op_add(self, values):
        return sum(values)

    def op_max(self, values):
        return max(values)

    def admin_eval(self, expression):
        return eval(expression)  # ok: FG-INJ-002


CALC = Calculator()


def handler(event, context):
    body = json.loads(event["body"])
    result = getattr(CALC, "op_" + body["op"])(body["args"])
    return {"statusCode": 200, "body": str(result)}
