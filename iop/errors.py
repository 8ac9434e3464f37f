"""The error every service raises when input cannot be accepted."""


class ServiceError(Exception):
    """Input that a service rejects, tied to the field at fault.

    `field` is the name of the form or API field to mark, `code` a stable
    machine-readable reason, and `message` a sentence for the person that
    names the field and says how to fix it. The message never contains
    member data, so the error is safe to log.
    """

    def __init__(self, field, code, message):
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message

    def as_dict(self):
        return {self.field: [self.message]}
