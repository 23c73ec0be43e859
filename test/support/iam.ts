/**
 * The IAM contract: a call a function makes (recorded from the SDK or from kafkajs) is
 * evaluated against the policies of the synthesized template — the function role's
 * identity policies and the resource's own policy (bucket, topic, KMS key) — by a real
 * IAM policy evaluator (@cloud-copilot/iam-simulate, AGPL-3.0: a test-only dependency,
 * never bundled or shipped). moto enforces none of this.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

/** One call as AWS authorizes it. */
export interface AuthorizedCall {
  /** Who calls: a function's handler name (`canary-slice`), or a service principal. */
  readonly caller: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  /** What was called, for the message (`S3 ListObjectsV2`, `Kafka JoinGroup`). */
  readonly via?: string;
}

export interface Decision {
  readonly call: AuthorizedCall;
  readonly result: string;
  readonly detail?: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
}
type PolicyDocument = { Version?: string; Statement: Json[] };

const KNOWN_ARNS: Record<
  string,
  (r: string, a: string, id: string) => { ref: string; arn: string }
> = {
  'AWS::S3::Bucket': (_r, _a, id) => ({
    ref: id.toLowerCase(),
    arn: `arn:aws:s3:::${id.toLowerCase()}`,
  }),
  'AWS::SNS::Topic': (r, a, id) => {
    const arn = `arn:aws:sns:${r}:${a}:${id}`;
    return { ref: arn, arn };
  },
  'AWS::KMS::Key': (r, a, id) => ({ ref: id, arn: `arn:aws:kms:${r}:${a}:key/${id}` }),
  'AWS::Lambda::Function': (r, a, id) => ({
    ref: id,
    arn: `arn:aws:lambda:${r}:${a}:function:${id}`,
  }),
  'AWS::StepFunctions::StateMachine': (r, a, id) => {
    const arn = `arn:aws:states:${r}:${a}:stateMachine:${id}`;
    return { ref: arn, arn };
  },
  'AWS::SQS::Queue': (r, a, id) => ({
    ref: `https://sqs.${r}.amazonaws.com/${a}/${id}`,
    arn: `arn:aws:sqs:${r}:${a}:${id}`,
  }),
  'AWS::IAM::Role': (_r, a, id) => ({ ref: id, arn: `arn:aws:iam::${a}:role/${id}` }),
  'AWS::Events::Rule': (r, a, id) => ({ ref: id, arn: `arn:aws:events:${r}:${a}:rule/${id}` }),
  'AWS::Logs::LogGroup': (r, a, id) => ({
    ref: id,
    arn: `arn:aws:logs:${r}:${a}:log-group:${id}:*`,
  }),
};

/**
 * The template's policies with every intrinsic resolved to a concrete name: each
 * resource gets a physical name from its logical id (`overrides` pin some, e.g. the
 * bucket a test created in moto), the pseudo parameters are `account` and `region`.
 */
export class TemplatePolicies {
  private readonly names = new Map<string, { ref: string; arn: string }>();

  constructor(
    private readonly template: { Resources: Record<string, Resource> },
    readonly account: string,
    readonly region: string,
    overrides: Record<string, { ref: string; arn: string }> = {},
  ) {
    for (const [id, r] of Object.entries(template.Resources)) {
      const make = KNOWN_ARNS[r.Type];
      // A resource the template names (StateMachineName) has that name; others the id.
      const named = r.Properties?.StateMachineName;
      this.names.set(
        id,
        overrides[id] ??
          make?.(region, account, typeof named === 'string' ? named : id) ?? {
            ref: id,
            arn: `arn:aws:unknown:${region}:${account}:${id}`,
          },
      );
    }
  }

  /** Logical ids of the resources of `type` whose id starts with `prefix`. */
  ids(type: string, prefix = ''): string[] {
    return Object.entries(this.template.Resources)
      .filter(([id, r]) => r.Type === type && id.startsWith(prefix))
      .map(([id]) => id);
  }

  /** The physical name (Ref) and ARN given to a logical id. */
  nameOf(id: string): { ref: string; arn: string } {
    const name = this.names.get(id);
    if (name === undefined) throw new Error(`the template has no resource ${id}`);
    return name;
  }

  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const arg = value[key]!;
      switch (key) {
        case 'Ref':
          return this.ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attr] = (Array.isArray(arg) ? arg : String(arg).split('.')) as [
            string,
            string,
          ];
          const name = this.nameOf(id);
          if (attr === 'Arn' || attr.endsWith('Arn')) return name.arn;
          if (attr === 'Name' || attr === 'QueueName') return name.ref.split(/[:/]/).pop()!;
          return name.ref;
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, Json[]];
          return (this.resolve(parts) as Json[]).map(String).join(sep);
        }
        case 'Fn::Select': {
          const [i, list] = arg as [number, Json];
          return (this.resolve(list) as Json[])[Number(i)]!;
        }
        case 'Fn::Split': {
          const [sep, str] = arg as [string, Json];
          return String(this.resolve(str)).split(sep);
        }
        case 'Fn::Sub': {
          const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [
            string,
            Record<string, Json>,
          ];
          return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
            if (name in vars) return String(this.resolve(vars[name]!));
            const [id, attr] = name.split('.');
            return String(
              attr === undefined ? this.ref(id!) : this.resolve({ 'Fn::GetAtt': [id!, attr] }),
            );
          });
        }
        default:
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }

  private ref(id: string): string {
    switch (id) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::Region':
        return this.region;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'KafkaUpgradeVerifier';
      default:
        return this.nameOf(id).ref;
    }
  }

  /** The role of a Lambda function (by logical id). */
  roleOfFunction(functionId: string): string {
    const fn = this.template.Resources[functionId];
    const role = fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] } | undefined;
    if (role === undefined) throw new Error(`function ${functionId} has no role in the template`);
    return role['Fn::GetAtt'][0];
  }

  /** A role's identity policies: AWS::IAM::Policy resources attached to it and its inline ones. */
  identityPolicies(roleId: string): Array<{ name: string; policy: PolicyDocument }> {
    const out: Array<{ name: string; policy: PolicyDocument }> = [];
    for (const [id, r] of Object.entries(this.template.Resources)) {
      if (r.Type !== 'AWS::IAM::Policy') continue;
      const roles = (r.Properties?.Roles ?? []) as Json[];
      if (!roles.some((x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId }))) continue;
      out.push({ name: id, policy: this.resolve(r.Properties!.PolicyDocument!) as PolicyDocument });
    }
    const role = this.template.Resources[roleId];
    for (const [i, p] of (
      (role?.Properties?.Policies ?? []) as Array<{ PolicyDocument: Json }>
    ).entries()) {
      out.push({
        name: `${roleId}-inline-${i}`,
        policy: this.resolve(p.PolicyDocument) as PolicyDocument,
      });
    }
    return out;
  }

  /**
   * The resource policy AWS evaluates for `resource`: the bucket policy of a bucket or
   * its objects, the topic policy of a topic, the key policy of a key, the statements of
   * a function's AWS::Lambda::Permission resources; undefined for the rest.
   */
  resourcePolicy(resource: string): PolicyDocument | undefined {
    for (const r of Object.values(this.template.Resources)) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::S3::BucketPolicy') {
        const bucket = this.resolve(p.Bucket!) as string;
        if (resource === `arn:aws:s3:::${bucket}` || resource.startsWith(`arn:aws:s3:::${bucket}/`))
          return this.resolve(p.PolicyDocument!) as PolicyDocument;
      }
      if (r.Type === 'AWS::SNS::TopicPolicy') {
        if ((this.resolve(p.Topics!) as string[]).includes(resource))
          return this.resolve(p.PolicyDocument!) as PolicyDocument;
      }
    }
    for (const [id, r] of Object.entries(this.template.Resources)) {
      if (r.Type === 'AWS::KMS::Key' && this.nameOf(id).arn === resource)
        return this.resolve(r.Properties!.KeyPolicy!) as PolicyDocument;
    }
    // A function's resource policy: one statement per AWS::Lambda::Permission, as Lambda
    // writes it (Principal, Action, SourceArn → ArnLike aws:SourceArn, SourceAccount).
    const permissions = Object.values(this.template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Permission')
      .map((r) => r.Properties ?? {})
      .filter((p) => this.resolve(p.FunctionName!) === resource);
    if (permissions.length > 0) {
      return {
        Version: '2012-10-17',
        Statement: permissions.map((p) => ({
          Effect: 'Allow',
          Principal: { Service: this.resolve(p.Principal!) },
          Action: this.resolve(p.Action!),
          Resource: resource,
          ...(p.SourceArn === undefined && p.SourceAccount === undefined
            ? {}
            : {
                Condition: {
                  ...(p.SourceArn === undefined
                    ? {}
                    : { ArnLike: { 'aws:SourceArn': this.resolve(p.SourceArn) } }),
                  ...(p.SourceAccount === undefined
                    ? {}
                    : { StringEquals: { 'aws:SourceAccount': this.resolve(p.SourceAccount) } }),
                },
              }),
        })),
      } as unknown as PolicyDocument;
    }
    return undefined;
  }

  /** Evaluates one call; `principal` is a role ARN with its identity policies, or a service. */
  async evaluate(
    call: AuthorizedCall,
    principal: { role: string } | { service: string },
  ): Promise<Decision> {
    const resourcePolicy = this.resourcePolicy(call.resource);
    const simulation: Simulation = {
      request: {
        principal: 'role' in principal ? this.nameOf(principal.role).arn : principal.service,
        action: call.action,
        resource: { resource: call.resource, accountId: this.account },
        contextVariables: {
          'aws:SecureTransport': 'true',
          ...(call.context ?? {}),
        },
      },
      identityPolicies: 'role' in principal ? this.identityPolicies(principal.role) : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
    } as Simulation;
    const response = await runSimulation(simulation, {});
    if (response.resultType === 'error') {
      return { call, result: 'Error', detail: JSON.stringify(response.errors) };
    }
    return { call, result: response.overallResult };
  }
}

/** A decision said as the person fixing the grant needs it. */
export function describeDecision(d: Decision): string {
  const ctx = d.call.context === undefined ? '' : ` with ${JSON.stringify(d.call.context)}`;
  return `${d.call.caller}: ${d.call.action} on ${d.call.resource}${ctx}${d.call.via === undefined ? '' : ` (${d.call.via})`} → ${d.result}${d.detail === undefined ? '' : `: ${d.detail}`}`;
}
