"""Every write that touches registrants, one module per use case. Views, admin, commands and
template tags call these; each runs in its own transaction and raises ValidationError (or a
subclass) with a message for the person who asked."""

from .access import access_request_approve, access_request_create, access_request_reject
from .admission import registration_create
from .capacity import event_capacity_check, event_capacity_set, places_refill
from .certificates import certificate_issue, certificate_reissue, certificates_send
from .checkin import attendance_check_in, attendance_undo
from .invitations import (
    invitation_decline,
    invitation_mark_registered,
    invitation_reminders_due,
    invitation_reminders_send,
    invitation_schedule_set,
    invitation_token_use,
    invitations_send,
)
from .lifecycle import (
    event_cancel_notify,
    event_create_replacement_notify,
    event_move_online_notify,
    event_postpone_notify,
    event_reschedule_notify,
    lifecycle_mails,
    reconfirmation_remind,
    reconfirmations_close,
    registration_carry_over,
    registration_reconfirm,
)
from .links import confirmation_resend, manage_link_resend, manage_links_send
from .messages import event_reminders_send, outbox_retry, staff_message_send
from .participation import registration_participation_change
from .preview import MailPreview, mails_preview
from .privacy import (
    person_erase,
    records_purge_expired,
    registrations_anonymise_expired,
    retention_cutoff,
)
from .ratelimit import RateLimited, rate_limit_check, rate_limit_client
from .registration import (
    Attendee,
    Details,
    RegistrationError,
    registration_cancel,
    registration_confirm_from_waiting_list,
    registration_update,
)
from .signin import sign_in_link_send, sign_in_request, sign_in_token_use, sign_out_everywhere
from .speakers import speaker_create_from_contact
from .substitution import (
    registration_correct,
    registration_email_change_confirm,
    registration_email_change_request,
    registration_substitute,
)

__all__ = [
    "Attendee",
    "Details",
    "RateLimited",
    "RegistrationError",
    "access_request_approve",
    "access_request_create",
    "access_request_reject",
    "attendance_check_in",
    "attendance_undo",
    "certificate_issue",
    "certificate_reissue",
    "certificates_send",
    "confirmation_resend",
    "event_cancel_notify",
    "event_capacity_check",
    "event_capacity_set",
    "event_create_replacement_notify",
    "event_move_online_notify",
    "event_postpone_notify",
    "event_reminders_send",
    "event_reschedule_notify",
    "invitation_decline",
    "invitation_mark_registered",
    "invitation_reminders_due",
    "invitation_reminders_send",
    "invitation_schedule_set",
    "invitation_token_use",
    "invitations_send",
    "lifecycle_mails",
    "mails_preview",
    "MailPreview",
    "manage_link_resend",
    "manage_links_send",
    "outbox_retry",
    "person_erase",
    "places_refill",
    "rate_limit_check",
    "rate_limit_client",
    "reconfirmation_remind",
    "reconfirmations_close",
    "records_purge_expired",
    "registration_cancel",
    "registration_carry_over",
    "registration_confirm_from_waiting_list",
    "registration_correct",
    "registration_create",
    "registration_participation_change",
    "registration_email_change_confirm",
    "registration_email_change_request",
    "registration_reconfirm",
    "registration_substitute",
    "registration_update",
    "registrations_anonymise_expired",
    "retention_cutoff",
    "sign_in_link_send",
    "speaker_create_from_contact",
    "sign_in_request",
    "sign_in_token_use",
    "sign_out_everywhere",
    "staff_message_send",
]
