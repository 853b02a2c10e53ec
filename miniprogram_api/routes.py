"""Every URL of the mini-program API, in one table (paths relative to /api/v1).

Each row names the view, the schemas it validates with and the statuses it may answer;
the dispatcher and the OpenAPI document are both built from this table.
"""
from __future__ import annotations

from miniprogram_api import openapi
from miniprogram_api.dispatch import Route
from miniprogram_api.resources import (activities, auth, benefits, consents, legal, me, membership, personal_data,
                                       tickets, uploads)
from miniprogram_api.schemas import activities as activity_schemas
from miniprogram_api.schemas import auth as auth_schemas
from miniprogram_api.schemas import benefits as benefit_schemas
from miniprogram_api.schemas import consents as consent_schemas
from miniprogram_api.schemas import legal as legal_schemas
from miniprogram_api.schemas import me as me_schemas
from miniprogram_api.schemas import membership as membership_schemas
from miniprogram_api.schemas import personal_data as personal_data_schemas
from miniprogram_api.schemas import tickets as ticket_schemas
from miniprogram_api.schemas import uploads as upload_schemas
from miniprogram_api.schemas.common import PageQuery

ROUTES: list[Route] = [
    # Documentation
    Route("GET", "/openapi.json", openapi.document_view, "OpenAPI 3 文档", "文档", auth=False,
          raw_media="application/json"),
    Route("GET", "/docs", openapi.docs_view, "接口说明页面", "文档", auth=False, raw_media="text/html"),

    # Sign-in
    Route("POST", "/auth/login", auth.login, "用 wx.login 的 code 登录", "登录",
          body=auth_schemas.LoginRequest, response=auth_schemas.Tokens, auth=False, errors=(503,),
          description="服务器用 code 调用 code2session，session_key 只保存在服务器（加密），返回我们自己的令牌。"),
    Route("POST", "/auth/refresh", auth.refresh, "刷新令牌（旧的刷新令牌随即失效）", "登录",
          body=auth_schemas.RefreshRequest, response=auth_schemas.Tokens, auth=False, errors=(401,)),
    Route("POST", "/auth/logout", auth.logout, "退出登录", "登录"),
    Route("POST", "/auth/phone", auth.link_phone, "用手机号快速验证组件的 code 验证手机号", "登录",
          body=auth_schemas.PhoneRequest, response=auth_schemas.PhoneLinked, errors=(503,),
          description="验证后，和公众号里用同一手机号的记录合并为同一个人。"),

    # The member
    Route("GET", "/me", me.me, "我的资料和会员状态", "我的", response=me_schemas.Me),
    Route("GET", "/me/data", personal_data.held, "我的信息：保存的我的全部个人信息（打码）和同意记录", "我的",
          response=personal_data_schemas.HeldData),
    Route("POST", "/me/data/erase", personal_data.erase, "删除我的全部个人信息（不可恢复）", "我的",
          body=personal_data_schemas.EraseRequest,
          description="删除入会、会员、工单、报名、聊天记录、上传、登录和订阅设置中的个人信息，只保留匿名统计；随后令牌失效。"),

    # Membership
    Route("GET", "/membership/form", membership.form, "入会表单需要的内容（说明、个人信息收集说明、城市、行业）", "入会",
          response=membership_schemas.JoinForm),
    Route("POST", "/membership/applications", membership.apply, "提交入会申请", "入会",
          body=membership_schemas.ApplicationRequest, response=membership_schemas.ApplicationCreated, status=201,
          errors=(409,), description="和公众号里的入会表单同一套检查：字段、同意说明、不能重复申请（409）。"),
    Route("GET", "/membership/application", membership.current, "我的入会申请（在审的，否则最近一份）", "入会",
          response=membership_schemas.Application, errors=(404,)),
    Route("GET", "/membership/applications/<application_no>", membership.application, "一份入会申请", "入会",
          response=membership_schemas.Application),
    Route("GET", "/membership/applications/<application_no>/history", membership.history, "入会申请的审核记录",
          "入会", response=membership_schemas.ApplicationHistory),
    Route("POST", "/membership/applications/<application_no>/resubmit", membership.resubmit,
          "补充信息后重新提交", "入会", body=membership_schemas.ResubmitRequest,
          response=membership_schemas.Application, errors=(409,)),
    Route("POST", "/membership/applications/<application_no>/withdraw", membership.withdraw, "撤回入会申请", "入会",
          response=membership_schemas.Application, errors=(409,)),
    Route("GET", "/membership/card", membership.card, "我的会员卡", "入会",
          response=membership_schemas.MemberCard, errors=(404,)),

    # Benefits
    Route("GET", "/benefits", benefits.catalogue, "适用于我的福利（按城市和会员身份）", "福利",
          query=benefit_schemas.BenefitQuery, response=benefit_schemas.BenefitPage),
    Route("GET", "/benefits/categories", benefits.categories, "福利分类", "福利",
          response=benefit_schemas.BenefitCategories),
    Route("GET", "/benefits/<benefit_id>", benefits.detail, "福利详情", "福利",
          response=benefit_schemas.BenefitDetail),

    # Legal FAQ
    Route("GET", "/legal/topics", legal.topics, "法律问答主题", "法律问答", response=legal_schemas.LegalTopicList),
    Route("GET", "/legal/topics/<topic_id>", legal.topic, "一个主题下的问答", "法律问答",
          query=PageQuery, response=legal_schemas.LegalTopicPage),
    Route("GET", "/legal/search", legal.search, "搜索法律问答", "法律问答",
          query=legal_schemas.LegalSearchQuery, response=legal_schemas.LegalSearchPage),
    Route("GET", "/legal/faq/<entry_id>", legal.entry, "一条问答的完整回答", "法律问答",
          response=legal_schemas.LegalEntry),
    Route("GET", "/legal/aid", legal.legal_aid, "工会法律援助说明", "法律问答", response=legal_schemas.LegalAid),

    # Activities
    Route("GET", "/activities", activities.listing, "即将举行的活动（可按城市、日期、是否有名额筛选）", "活动",
          query=activity_schemas.ActivityQuery, response=activity_schemas.ActivityPage),
    Route("GET", "/activities/<int:activity_id>", activities.detail, "活动详情（含我的报名）", "活动",
          response=activity_schemas.ActivityDetail),
    Route("POST", "/activities/<int:activity_id>/sign-up", activities.sign_up, "报名活动（可带同行人）", "活动",
          body=activity_schemas.SignUpRequest, response=activity_schemas.SignUpResult, status=201, errors=(403, 409),
          description="名额严格按容量分配，不会超报；本人和每位同行人各占一个名额。已满返回 409 activity_full，"
                      "可改为加入候补；还有名额但不够这一行人返回 409 not_enough_places；同行人数超过活动允许的"
                      "返回 422 too_many_companions。请求体可以为空（只报本人）。"),
    Route("PATCH", "/activities/<int:activity_id>/sign-up", activities.change_companions, "修改同行人数", "活动",
          body=activity_schemas.CompanionsRequest, response=activity_schemas.SignUpResult, errors=(409,),
          description="多出的人需要有空余名额（否则 409 not_enough_places）；减少的名额按顺序给候补。"),
    Route("DELETE", "/activities/<int:activity_id>/sign-up", activities.cancel, "取消报名（空出的名额给候补第一位）",
          "活动", response=activity_schemas.SignUpResult, errors=(409,)),
    Route("POST", "/activities/<int:activity_id>/waiting-list", activities.join_waiting_list, "加入候补（可带同行人）",
          "活动", body=activity_schemas.SignUpRequest, response=activity_schemas.SignUpResult, status=201,
          errors=(403, 409), description="一行人一起候补，按顺序递补；排在最前的一行人放不下时保留位次，"
                                         "后面放得下的先递补，不让名额空着。"),
    Route("GET", "/me/sign-ups", activities.my_sign_ups, "我的报名", "活动",
          query=activity_schemas.MySignUpQuery, response=activity_schemas.SignUpPage),

    # Consultations, complaints, reports, letters to the chairman, hardship and legal aid
    Route("GET", "/tickets/kinds", tickets.kinds, "可以提交的诉求类型", "诉求", response=ticket_schemas.TicketKinds),
    Route("POST", "/tickets", tickets.create, "提交诉求（咨询、投诉、举报、主席信箱、困难帮扶、法律援助）", "诉求",
          body=ticket_schemas.TicketRequest, response=ticket_schemas.TicketCreated, status=201, errors=(404,),
          description="图片先用 POST /api/v1/uploads 上传，再把附件编号放进 attachments；别人的或已用过的附件返回 404。"),
    Route("GET", "/tickets", tickets.listing, "我提交的诉求", "诉求",
          query=ticket_schemas.TicketQuery, response=ticket_schemas.TicketPage),
    Route("GET", "/tickets/<number>", tickets.detail, "诉求详情和工作人员的答复", "诉求",
          response=ticket_schemas.TicketDetail),

    # Uploads (images for tickets)
    Route("POST", "/uploads", uploads.create, "上传一张图片（提交诉求时用）", "附件", upload=True,
          response=upload_schemas.Upload, status=201,
          description="multipart/form-data，字段名 file；支持 JPG、PNG、GIF、WEBP，大小上限见配置 api.upload_max_bytes。"),
    Route("GET", "/uploads/<upload_id>", uploads.show, "我上传的一张图片的信息", "附件",
          response=upload_schemas.Upload),
    Route("GET", "/uploads/<upload_id>/content", uploads.content, "我上传的图片本身", "附件",
          raw_media="image/*"),

    # Subscribe-message consent
    Route("GET", "/consents", consents.mine, "我同意接收的订阅消息", "订阅消息", response=consent_schemas.ConsentList),
    Route("POST", "/consents", consents.record, "记录 wx.requestSubscribeMessage 的结果", "订阅消息",
          body=consent_schemas.ConsentRequest, response=consent_schemas.ConsentList),
]
