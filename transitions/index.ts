/**
 * The transitions this project's worker runs, in order, like cht-core's list of available transitions.
 * They are not registered in app_settings `transitions`: Sentinel would refuse the whole config for a name it
 * does not know.
 */
import type { Logger } from 'pino';
import * as clientRegistry from './client-registry';
import type { ClientRegistry } from './services/hie-client';
import type { Config } from './config';
import type { Transition } from './types';

export interface TransitionServices {
  readonly registry: ClientRegistry;
  readonly config: Pick<Config, 'clientRegistry'>;
  readonly log: Logger;
}

export function createTransitions(services: TransitionServices): Transition[] {
  return [clientRegistry.create({ registry: services.registry, settings: services.config.clientRegistry, log: services.log })];
}
