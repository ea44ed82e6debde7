/**
 * The transitions this project's worker runs, in order, like cht-core's list of available transitions.
 * They are not registered in app_settings `transitions`: Sentinel would refuse the whole config for a name it
 * does not know. `client_registry` runs first, so a client answered in a change releases its referrals at once.
 */
import type { Logger } from 'pino';
import * as clientRegistry from './client-registry';
import type { Config } from './config';
import * as referralServiceRequest from './referral-service-request';
import type { ClientRegistry } from './services/hie-client';
import type { SharedHealthRecord } from './services/shr-client';
import type { StateStore } from './services/state-store';
import type { Contacts, Transition } from './types';

export interface TransitionServices {
  readonly registry: ClientRegistry;
  readonly shr: SharedHealthRecord;
  readonly state: Pick<StateStore, 'addWaiting' | 'removeWaiting'>;
  readonly config: Pick<Config, 'clientRegistry' | 'referrals'>;
  readonly log: Logger;
}

export function createTransitions(services: TransitionServices, contacts: Contacts): Transition[] {
  const { config, log } = services;
  return [
    clientRegistry.create({ registry: services.registry, settings: config.clientRegistry, log }),
    referralServiceRequest.create({ shr: services.shr, contacts, waiting: services.state, settings: config.referrals, log }),
  ];
}
