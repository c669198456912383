// Entry of the consultation console, served by the hub at /consult/:room.
import '../shared/base.css'
import './consult.css'
import { h, render } from 'preact'
import { takeTokenFromUrl } from '../shared/auth.js'
import { ConsultApp } from './app.js'

takeTokenFromUrl()
const room = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop() ?? '')
render(h(ConsultApp, { room }), document.getElementById('app')!)
