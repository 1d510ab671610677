"""files.getUploadURLExternal, the upload URL and files.completeUploadExternal."""

from __future__ import annotations

import copy

from .messages import MessageStore
from .records import (
    ApiError,
    Channel,
    JsonDict,
    UploadedFile,
    opt_str,
)


class FilesApi(MessageStore):
    """Slack's two-step external file upload."""

    def _files_get_upload_url(self, params: JsonDict) -> JsonDict:
        filename = opt_str(params, "filename")
        length = opt_str(params, "length")
        if filename is None or length is None or not length.isdigit():
            raise ApiError("invalid_arguments")
        file_id = self._next_id("F")
        self._files[file_id] = UploadedFile(
            id=file_id,
            filename=filename,
            length=int(length),
            alt_txt=opt_str(params, "alt_txt"),
            snippet_type=opt_str(params, "snippet_type"),
        )
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _handle_upload(self, file_id: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            upload = self._files.get(file_id)
            if upload is None or upload.completed:
                return 404, {"Content-Type": "text/plain"}, b"not found"
            upload.data = bytes(body)
        return 200, {"Content-Type": "text/plain"}, f"OK - {len(body)}".encode()

    def _files_complete_upload(self, params: JsonDict) -> JsonDict:
        items = params.get("files")
        if not isinstance(items, list) or not items:
            raise ApiError("invalid_arguments")
        uploads: list[tuple[UploadedFile, str | None]] = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise ApiError("invalid_arguments")
            upload = self._files.get(item["id"])
            if upload is None or upload.completed:
                raise ApiError("file_not_found")
            if not upload.uploaded:
                raise ApiError(
                    "file_not_found",
                    extra={"detail": f"{upload.id} was never uploaded to its upload_url"},
                )
            title = item.get("title")
            uploads.append((upload, title if isinstance(title, str) else None))

        targets: list[Channel] = []
        if opt_str(params, "channel_id") is not None:
            targets.append(self._channel_or_error(params, "channel_id"))
        for ref in (opt_str(params, "channels") or "").split(","):
            if ref.strip():
                targets.append(self._channel_or_error({"channel": ref.strip()}))
        for ch in targets:
            self._require_member(ch)
        thread_ts = opt_str(params, "thread_ts")
        roots: dict[str, str] = {}
        if thread_ts is not None:
            for ch in targets:
                roots[ch.id] = self._thread_root(ch, thread_ts)
        initial_comment = opt_str(params, "initial_comment")

        file_objects: list[JsonDict] = []
        for upload, title in uploads:
            upload.title = title or upload.filename
            upload.initial_comment = initial_comment
            upload.thread_ts = thread_ts
            upload.completed = True
            upload.channels = [ch.id for ch in targets]
            file_objects.append(self._file_object(upload))
        for ch in targets:
            root = roots.get(ch.id)
            message = self._new_message(
                ch,
                self.bot_user_id,
                text=initial_comment,
                blocks=None,
                thread_ts=root,
                files=copy.deepcopy(file_objects),
            )
            for upload, _ in uploads:
                upload.message_ts.append(str(message["ts"]))
        return {"files": file_objects}

    def _file_object(self, upload: UploadedFile) -> JsonDict:
        return {
            "id": upload.id,
            "name": upload.filename,
            "title": upload.title,
            "size": len(upload.data or b""),
            "user": self.bot_user_id,
            "alt_txt": upload.alt_txt,
            "url_private": f"https://files.slack.com/files-pri/{self.team_id}-{upload.id}/"
            f"{upload.filename}",
            "permalink": f"https://{self.team_domain}.slack.com/files/{self.bot_user_id}/"
            f"{upload.id}/{upload.filename}",
        }
