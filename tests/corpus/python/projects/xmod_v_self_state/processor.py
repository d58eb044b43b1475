class Processor:
    def __init__(self, expression):
        self.expression = expression

    def evaluate(self):
        return {"statusCode": 200, "body": str(eval(self.expression))}  # expect: FG-INJ-002
