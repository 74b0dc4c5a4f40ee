"""TensorBoard event files written with the `tensorboard` package alone: scalars, images and text under any backend."""

from __future__ import annotations

import time

from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter


class TensorBoard:
    """`tensorboard --logdir DIR` reads what this writes (no TensorFlow needed on either side)."""

    def __init__(self, logdir):
        self.writer = EventFileWriter(str(logdir))

    def _write(self, step: int, *values: summary_pb2.Summary.Value) -> None:
        self.writer.add_event(
            event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary_pb2.Summary(value=values))
        )

    def scalars(self, values: dict, step: int) -> None:
        self._write(step, *(summary_pb2.Summary.Value(tag=k, simple_value=float(v)) for k, v in values.items()))

    def image(self, tag: str, png: bytes, height: int, width: int, step: int) -> None:
        image = summary_pb2.Summary.Image(height=height, width=width, colorspace=4, encoded_image_string=png)
        self._write(step, summary_pb2.Summary.Value(tag=tag, image=image))

    def text(self, tag: str, markdown: str, step: int) -> None:
        tensor = tensor_pb2.TensorProto(
            dtype=types_pb2.DT_STRING, string_val=[markdown.encode()], tensor_shape=tensor_shape_pb2.TensorShapeProto()
        )
        meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name='text'))
        self._write(step, summary_pb2.Summary.Value(tag=tag, metadata=meta, tensor=tensor))

    def flush(self) -> None:
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
