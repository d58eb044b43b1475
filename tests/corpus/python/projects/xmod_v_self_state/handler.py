from processor import Processor


def handler(event, context):
    return Processor(event["body"]).evaluate()
