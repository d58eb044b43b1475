import os


class Job:
    def load(self, event):
        self.command = event["queryStringParameters"]["command"]

    def run(self):
        os.system(self.command)  # expect: FG-INJ-001


def handler(event, context):
    job = Job()
    job.load(event)
    job.run()
    return {"statusCode": 200}
