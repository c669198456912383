// Entry of the fleet page (IT), served by the hub at / and /rooms/:room.
import '../shared/base.css'
import './fleet.css'
import { h, render } from 'preact'
import { takeTokenFromUrl } from '../shared/auth.js'
import { FleetApp } from './app.js'

takeTokenFromUrl()
render(h(FleetApp, null), document.getElementById('app')!)
