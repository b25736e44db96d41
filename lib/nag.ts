import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The id cdk-nag (AwsSolutions-IAM5) gives a wildcard resource finding, e.g.
 * `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::bucket/*]`. Mirrors cdk-nag's
 * flattenCfnReference so an acknowledgement names exactly one finding, whatever the account
 * (token or literal) of the environment. Only for ARNs that resolve inside `scope`'s stack.
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(arn))}]`;
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const fn = node as Record<string, unknown>;
    if (fn['Fn::Join']) {
      const [delimiter, items] = fn['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (fn['Fn::Sub']) return flatten(fn['Fn::Sub']);
    if (fn['Fn::GetAtt']) {
      const [resource, attribute] = fn['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (fn['Fn::ImportValue']) return flatten(fn['Fn::ImportValue']);
    if (fn.Ref) return `<${flatten(fn.Ref)}>`;
  }
  return JSON.stringify(node);
}
