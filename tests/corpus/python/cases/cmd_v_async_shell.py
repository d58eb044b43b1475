import asyncio


async def handler(event, context):
    target = event["pathParameters"]["target"]
    proc = await asyncio.create_subprocess_shell(f"nslookup {target}")  # expect: FG-INJ-001
    await proc.wait()
    return {"statusCode": 200}
