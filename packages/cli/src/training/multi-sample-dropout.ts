/** Multi-sample dropout (Inoue 2019) over a BERT classifier head: k dropout samples of the pooled [CLS]. */
import * as tf from '@tensorflow/tfjs';
import type { TransformerModel } from '@bert4tfjs/models';

/**
 * Logits of k dropout samples of the pooled [CLS] vector through the classifier (multi-sample dropout):
 * the pooler and classifier layers of the model applied to `hidden` with fresh masks each time.
 */
export function multiSampleLogits(built: TransformerModel, hidden: tf.Tensor, k: number): tf.Tensor[] {
  const pooler = built.model.getLayer('Pooler-Dense');
  const classifier = built.model.getLayer('Classifier');
  const rate = Number(built.rawConfig.hidden_dropout_prob ?? 0.1);
  const cls = tf.reshape(tf.slice(hidden, [0, 0, 0], [-1, 1, -1]), [hidden.shape[0], hidden.shape[2]!]);
  const pooled = pooler.apply(cls) as tf.Tensor;
  return Array.from({ length: k }, () => classifier.apply(tf.dropout(pooled, rate)) as tf.Tensor);
}
