"""More than one page of blocks with boto3's ebs client, through the Region's one AWS endpoint.

Lists a completed snapshot of more blocks than ListSnapshotBlocks' largest page (10,000) page by page as a client of
the model does (botocore has no paginator for ebs: the client sends back the answer's NextToken, which goes on the
wire as pageToken, as coldsnap does), once with the largest pages and once with MaxResults 100 from block 9,800, then
reads the last block and checks it against its checksum. Prints one JSON line with what it saw; the Java test asserts
on it.

Arguments: the endpoint URL, the profile (its keys are read from AWS_SHARED_CREDENTIALS_FILE), the snapshot ID.
"""
import base64
import hashlib
import json
import sys

import boto3


def main(endpoint, profile, snapshot):
    ebs = boto3.Session(profile_name=profile, region_name="us-east-1").client("ebs", endpoint_url=endpoint)
    pages, indexes, blocks = walk(ebs, SnapshotId=snapshot)
    small, _, _ = walk(ebs, SnapshotId=snapshot, StartingBlockIndex=9_800, MaxResults=100)
    last = blocks[-1]
    answer = ebs.get_snapshot_block(SnapshotId=snapshot, BlockIndex=last["BlockIndex"], BlockToken=last["BlockToken"])
    data = answer["BlockData"].read()
    print(json.dumps({
        "pages": pages,
        "inOrderOnce": indexes == list(range(len(indexes))),
        "blocks": len(indexes),
        "smallPages": small,
        "lastBlockIntact": base64.b64encode(hashlib.sha256(data).digest()).decode() == answer["Checksum"]
                           and len(data) == 512 * 1024,
        "lastBlockChecksum": answer["Checksum"],
    }))


def walk(ebs, **request):
    """Every page, following NextToken; a page that starts again at or before a block already seen is an error."""
    pages, indexes, blocks = [], [], []
    while True:
        page = ebs.list_snapshot_blocks(**request)
        pages.append(len(page["Blocks"]))
        if page["Blocks"] and indexes and page["Blocks"][0]["BlockIndex"] <= indexes[-1]:
            raise AssertionError(f"page {len(pages)} starts again at block {page['Blocks'][0]['BlockIndex']}")
        indexes.extend(block["BlockIndex"] for block in page["Blocks"])
        blocks.extend(page["Blocks"])
        if not page.get("NextToken"):
            return pages, indexes, blocks
        request["NextToken"] = page["NextToken"]


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
