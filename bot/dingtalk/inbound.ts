// DingTalk inbound traffic → the dispatch path. Stream frames are recorded in the inbox, then
// acknowledged explicitly by messageId (the SDK never acks CALLBACK frames itself); a message is then
// processed by the inbox worker. A card click is processed before its ack, because the ack carries
// the update of the clicker's card.

import type { DWClientDownStream } from 'dingtalk-stream';
import { cardParamMap } from '../../cards/dingtalk/card';
import type { View } from '../../handlers/ports';
import type { BackgroundWork } from '../background';
import type { Dispatcher } from '../dispatch';
import type { NormalizedEvent } from '../events';
import type { Logger } from '../logger';
import { normalizeCardCallback, normalizeRobotMessage } from './normalize';
import { TOPIC_CARD, TOPIC_ROBOT, type DingtalkStreamClient } from './stream';

export interface InboundDeps {
  dispatcher: Dispatcher;
  background: BackgroundWork;
  /** Delivers the outbox (after a card click was decided). */
  deliver: () => Promise<unknown>;
  /** Wakes the inbox worker after a message was accepted. */
  wake: () => void;
  log: Logger;
  /** DINGTALK_OAPI_BASE: the only host a message's sessionWebhook may point to. */
  oapiBase: string;
}

function parseData(frame: DWClientDownStream): unknown {
  try {
    return JSON.parse(frame.data);
  } catch {
    return null;
  }
}

/** The card response for the clicker: the final state of the card in the reply, if there is one. */
export function clickerCardUpdate(views: View[]): Record<string, unknown> | null {
  const card = views.find((v) => v.type === 'card' && v.card.status);
  if (!card || card.type !== 'card') return null;
  return { cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true }, cardData: { cardParamMap: cardParamMap(card.card) } };
}

export function listenToStream(client: DingtalkStreamClient, deps: InboundDeps): void {
  const { dispatcher, background, deliver, wake, log, oapiBase } = deps;
  const ack = (frame: DWClientDownStream, response: unknown = null) => client.socketCallBackResponse(frame.headers.messageId, response);

  // Accepted at once, not one frame per event-loop turn (BackgroundWork.start): the frames of one
  // socket read then share one group commit and their acks leave in one write. The one-per-turn rule
  // is for HTTP callbacks, whose connections Node accepts one per turn; a stream has one socket.
  client.registerCallbackListener(TOPIC_ROBOT, (frame) => {
    let event: NormalizedEvent | null;
    try {
      event = normalizeRobotMessage(parseData(frame), oapiBase);
    } catch (error) {
      // Not acknowledged: DingTalk redelivers it, and the error is in the log.
      log.error('dingtalk robot message failed', { messageId: frame.headers.messageId, error: String(error) });
      return;
    }
    if (!event) {
      log.info('DingTalk message ignored (not text, or not parseable)', { messageId: frame.headers.messageId });
      ack(frame);
      return;
    }
    background.track(
      'dingtalk robot message',
      dispatcher.accept(event).then((accepted) => {
        ack(frame); // recorded (or a redelivery of something recorded): DingTalk may stop resending
        if (accepted) wake();
      }),
    );
  });

  client.registerCallbackListener(TOPIC_CARD, (frame) => {
    background.start('dingtalk card callback', async () => {
      const event: NormalizedEvent | null = normalizeCardCallback(parseData(frame), frame.headers.messageId);
      if (!event) return ack(frame);
      const views = await dispatcher.acceptAndProcess(event);
      if (!views) return ack(frame); // a redelivery of something recorded
      ack(frame, clickerCardUpdate(views));
      await deliver();
    });
  });
}
