"""The two SQS servers the scenario suite runs against, and boto3 clients
for them.

* :class:`MotoServer`: moto's SQS server (``python -m moto.server``) on
  loopback, the oracle: its answers are the expected ones.
* swiftq's ``/sqs`` endpoint on the real local Swift, reached with the
  noauth development secret (``[sqs] noauth_secret_key``); the access key
  id names the project.
"""

import os
import sys
import time
import urllib.error
import urllib.request
import uuid

import boto3
import botocore.config

from swiftq import child_processes

DEV_SECRET = 'swiftq-dev-secret'
REGION = 'us-east-1'


class MotoServer(child_processes.ChildServer):
    """moto's server (every AWS service; the suite uses SQS) on a free
    loopback port."""

    def __init__(self, workdir):
        self.port = child_processes.free_port()
        self.base_url = 'http://127.0.0.1:%d' % self.port
        self.log_file = os.path.join(workdir, 'moto-%d.log' % self.port)
        self.process = None

    def start(self, timeout=60):
        self.spawn([sys.executable, '-m', 'moto.server', '-H', '127.0.0.1',
                    '-p', str(self.port)])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('moto server exited:\n' + self.log_tail())
            try:
                with urllib.request.urlopen(
                        self.base_url + '/moto-api/', timeout=5):
                    return self
            except urllib.error.HTTPError:
                return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError('moto server not ready:\n' + self.log_tail())

    def stop(self):
        if self.process is not None:
            child_processes.stop_tree(self.process, 10)
            self.process = None


def client(endpoint_url, access_key, secret_key=DEV_SECRET):
    """A boto3 SQS client (JSON protocol, SigV4), no retries: every
    answer is observed as it is."""
    return boto3.client(
        'sqs', endpoint_url=endpoint_url, region_name=REGION,
        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        config=botocore.config.Config(retries={'total_max_attempts': 1},
                                      read_timeout=60))


def new_project():
    """A fresh project: the access key id of a swiftq client."""
    return 'sqs' + uuid.uuid4().hex[:12]


def signed_post(endpoint_url, access_key, target, body,
                content_type='application/x-amz-json-1.0',
                secret_key=DEV_SECRET):
    """POST ``body`` (bytes) to the endpoint as botocore would sign it,
    whatever it holds: ``(status, headers, text)``."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import requests

    request = botocore.awsrequest.AWSRequest(
        method='POST', url=endpoint_url.rstrip('/') + '/', data=body,
        headers={'Content-Type': content_type,
                 'X-Amz-Target': 'AmazonSQS.' + target})
    botocore.auth.SigV4Auth(
        botocore.credentials.Credentials(access_key, secret_key),
        'sqs', REGION).add_auth(request)
    prepared = request.prepare()
    answer = requests.post(prepared.url, data=body, timeout=30,
                           headers=dict(prepared.headers))
    return answer.status_code, answer.headers, answer.text
