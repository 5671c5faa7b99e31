from django import template

register = template.Library()


@register.inclusion_tag("registrations/includes/registration_box.html", takes_context=True)
def registration_box(context, event):
    return {"event": event, "state": event.registration_state(), "request": context.get("request")}
