import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface RunStoreProps {
  /**
   * How long a run's history and report are kept.
   * @default 90 days
   */
  readonly retention?: Duration;
  /**
   * Where S3 server access logs go. Without it, access logging is off and the
   * cdk-nag finding is acknowledged: the store holds canary records only.
   * @default no access logs
   */
  readonly accessLogsBucket?: s3.IBucket;
}

/**
 * The run store: one S3 bucket holding each verification run's history
 * (docs/history-format.md) and report, so a run can be analysed again later.
 * Private, encrypted, TLS only, versioned so a re-written report never loses
 * the one before it.
 */
export class RunStore extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: RunStoreProps = {}) {
    super(scope, id);
    const retention = props.retention ?? Duration.days(90);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'expire-runs', expiration: retention },
        // Versioning keeps what expiry or a re-write replaces: drop those old
        // versions after a week, then the delete markers left with nothing behind
        // them (S3 allows ExpiredObjectDeleteMarker only in a rule without an expiration).
        {
          id: 'expire-old-versions',
          noncurrentVersionExpiration: Duration.days(7),
          expiredObjectDeleteMarker: true,
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      ...(props.accessLogsBucket === undefined
        ? {}
        : { serverAccessLogsBucket: props.accessLogsBucket, serverAccessLogsPrefix: 'run-store/' }),
    });
    if (props.accessLogsBucket === undefined) {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'The run store holds canary histories and reports only, no customer data; pass accessLogsBucket to turn access logging on.',
      });
    }
  }
}
