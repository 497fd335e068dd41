/**
 * Validates rendered objects against the Kubernetes and prometheus-operator OpenAPI schemas
 * (kubernetes-models, @kubernetes-models/prometheus-operator).
 */
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import type { K8sObject } from './render.js';

type Validatable = { validate(): void };
const MODELS: Record<string, (obj: K8sObject) => Validatable> = {
  'v1/ConfigMap': (o) => new ConfigMap(o as never),
  'v1/Secret': (o) => new Secret(o as never),
  'v1/Service': (o) => new Service(o as never),
  'v1/ServiceAccount': (o) => new ServiceAccount(o as never),
  'apps/v1/Deployment': (o) => new Deployment(o as never),
  'apps/v1/StatefulSet': (o) => new StatefulSet(o as never),
  'policy/v1/PodDisruptionBudget': (o) => new PodDisruptionBudget(o as never),
  'networking.k8s.io/v1/NetworkPolicy': (o) => new NetworkPolicy(o as never),
  'monitoring.coreos.com/v1/ServiceMonitor': (o) => new ServiceMonitor(o as never),
  'monitoring.coreos.com/v1/PrometheusRule': (o) => new PrometheusRule(o as never),
};

/** Throws when the object's kind is unknown here or the object does not match its schema. */
export function validateObject(obj: K8sObject): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const model = MODELS[key];
  if (model === undefined) throw new Error(`no model for ${key} (${obj.metadata.name}): add it to test/helm/k8s-validate.ts`);
  try {
    model(obj).validate();
  } catch (error) {
    throw new Error(`${key} ${obj.metadata.name} is invalid: ${error instanceof Error ? error.message : String(error)}`);
  }
}
